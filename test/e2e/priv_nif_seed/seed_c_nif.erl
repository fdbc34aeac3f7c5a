%% SPDX-License-Identifier: Apache-2.0
%%
%% The NIF module of test/fuzz/seed_nifs/seed_c_nif.c, loading its library
%% with lib/priv_nif, as e2e.priv_nif_helper and e2e.rebar3_priv_nif ship it.
-module(seed_c_nif).
-export([main/1, greeting/1, length/1]).
-nifs([greeting/1, length/1]).
-on_load(init/0).

%% The application the library is in; the tests misspell it with -DAPP=...
-ifndef(APP).
-define(APP, myapp).
-endif.

init() ->
    priv_nif:load(?APP, "seed_c_nif", fun(Library) -> erlang:load_nif(Library, 0) end).

greeting(_) -> erlang:nif_error(not_loaded).
length(_) -> erlang:nif_error(not_loaded).

%% The NIF's answer, and where the library is mapped from.
main(_) ->
    {ok, Maps} = file:read_file("/proc/self/maps"),
    [From | _] = [lists:join(" ", lists:nthtail(5, string:lexemes(Line, " ")))
                  || Line <- string:split(binary_to_list(Maps), "\n", all),
                     string:find(Line, "seed_c_nif") =/= nomatch],
    io:format("~p from ~s~n", [greeting(1), From]).
