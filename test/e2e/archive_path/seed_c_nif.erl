%% SPDX-License-Identifier: Apache-2.0
%%
%% The NIF module of test/fuzz/seed_nifs/seed_c_nif.c written as NIF
%% libraries are written today: its library is loaded by a path built from
%% code:priv_dir/1, and so is the linked-in driver main/1 opens. In an
%% escript both paths lie inside the escript's archive (e2e.archive_path).
-module(seed_c_nif).
-export([main/1, greeting/1, length/1]).
-nifs([greeting/1, length/1]).
-on_load(init/0).

init() ->
    erlang:load_nif(filename:join(code:priv_dir(myapp), "seed_c_nif"), 0).

greeting(_) -> erlang:nif_error(not_loaded).
length(_) -> erlang:nif_error(not_loaded).

%% The NIF's answer, then the driver's port, and where each is mapped from.
main(_) ->
    io:format("~p from ~s~n", [greeting(1), mapped_from("seed_c_nif")]),
    Driver = "memnif_checksum_drv",
    ok = erl_ddll:load(code:priv_dir(myapp), Driver),
    Port = open_port({spawn_driver, Driver}, [binary]),
    true = port_close(Port),
    io:format("port of ~s from ~s~n", [Driver, mapped_from(Driver)]).

mapped_from(Name) ->
    {ok, Maps} = file:read_file("/proc/self/maps"),
    [From | _] = [lists:join(" ", lists:nthtail(5, string:lexemes(Line, " ")))
                  || Line <- string:split(binary_to_list(Maps), "\n", all),
                     string:find(Line, Name) =/= nomatch],
    From.
