%% SPDX-License-Identifier: Apache-2.0
%%
%% The CRC-32 by a linked-in driver written in C++: a port keeps a running
%% CRC-32 of what it is sent, computed on the async thread pool.
%%
%% The driver, memnif_checksum_drv.so, is found with code:priv_driver/2, so
%% the same module works when the application is a directory (the driver
%% is loaded from its file) and when it is inside an escript (the driver is
%% loaded from memory, read from the escript's archive). Compiled with
%% -DEMBED_DRIVER_IMAGE='"/path/to/memnif_checksum_drv.so"' and the
%% memnif_embed parse transform, the driver's image is put into the .beam
%% itself, which can then be loaded anywhere with code:load_binary/3.
%%
%% A driver stays loaded while a process that loaded it lives (erl_ddll's
%% reference counting): here one process, registered under the module's
%% name, loads it and holds it for every user (an on_load function runs in
%% a process that exits, and would unload the driver at once).
-module(memnif_checksum_drv).

%% Erlang/OTP 27 enables maybe_expr by default and records that in the .beam;
%% an Erlang/OTP 25 then refuses the module. Off, the module loads there too.
-feature(maybe_expr, disable).

-export([load/0, unload/0, open/0, update/2, close/1, crc32/1,
         loaded_from/0]).

-define(APP, memnif_checksum).
-define(DRIVER, "memnif_checksum_drv").
-define(LOADED_FROM_KEY, {?MODULE, loaded_from}).

-ifdef(EMBED_DRIVER_IMAGE).
-compile({parse_transform, memnif_embed}).
%% Defines embedded_nif_image/0, returning the file's contents.
-embed_nif_image(?EMBED_DRIVER_IMAGE).
-endif.

%% Loads the driver, unless it is loaded already: the holder process loads
%% it, and keeps it loaded until unload/0.
-spec load() -> ok | {error, {Reason :: term(), Text :: string()}}.
load() ->
    load(2).

load(Tries) ->
    whereis(?MODULE) =:= undefined andalso start_holder(),
    case whereis(?MODULE) of
        undefined ->
            {error, {noproc, "the driver's holder process could not start"}};
        Holder ->
            Ref = monitor(process, Holder),
            Holder ! {load, self(), Ref},
            receive
                {Ref, Result} ->
                    demonitor(Ref, [flush]),
                    Result;
                %% It ended (its load failed, or unload/0 stopped it) before
                %% it read the request: a new holder answers.
                {'DOWN', Ref, process, Holder, normal} when Tries > 1 ->
                    load(Tries - 1);
                {'DOWN', Ref, process, Holder, Reason} ->
                    {error, {Reason, "the driver's holder process exited"}}
            end
    end.

%% Unloads the driver (once its ports are closed).
-spec unload() -> ok.
unload() ->
    case whereis(?MODULE) of
        undefined ->
            ok;
        Holder ->
            Ref = monitor(process, Holder),
            Holder ! stop,
            receive {'DOWN', Ref, process, Holder, _} -> ok end
    end.

%% Two processes may start a holder at once: one registers, the other
%% ends, and both callers then ask the registered one.
start_holder() ->
    Parent = self(),
    {Pid, Ref} = spawn_monitor(fun() -> hold(Parent) end),
    receive
        {Pid, registered} -> demonitor(Ref, [flush]);
        {'DOWN', Ref, process, Pid, _} -> false
    end.

hold(Parent) ->
    try register(?MODULE, self()) of
        true ->
            Parent ! {self(), registered},
            hold_loop(load_driver())
    catch
        error:badarg -> ok % another holder came first
    end.

load_driver() ->
    case driver_path() of
        {ok, Path} ->
            case load_driver(Path) of
                ok ->
                    persistent_term:put(?LOADED_FROM_KEY, describe(Path)),
                    ok;
                {error, Reason} ->
                    {error, {Reason, load_error_text(Reason)}}
            end;
        {error, _} = Error ->
            Error
    end.

%% Once loaded, answers ok until stopped; if loading failed, answers the
%% requests that came meanwhile with the error and ends, so that a later
%% load/0 tries again.
hold_loop(ok) ->
    receive
        {load, From, Ref} ->
            From ! {Ref, ok},
            hold_loop(ok);
        stop ->
            ok = erl_ddll:unload(?DRIVER),
            _ = persistent_term:erase(?LOADED_FROM_KEY),
            ok
    end;
hold_loop(Error) ->
    receive
        {load, From, Ref} ->
            From ! {Ref, Error},
            hold_loop(Error)
    after 0 ->
            unregister(?MODULE)
    end.

%% A port to the driver, loading it first: its CRC-32 starts at 0.
-spec open() -> port().
open() ->
    case load() of
        ok -> open_port({spawn_driver, ?DRIVER}, [binary]);
        {error, Reason} -> error(Reason)
    end.

%% Adds Data to what Port was sent; returns the CRC-32 and size of it all.
%% The calling process waits while an async thread computes, its scheduler
%% does not.
-spec update(port(), iodata()) -> {Crc32 :: non_neg_integer(), Bytes :: non_neg_integer()}.
update(Port, Data) ->
    true = port_command(Port, Data),
    receive
        {Port, {data, <<Crc:32, Bytes:64>>}} -> {Crc, Bytes}
    end.

-spec close(port()) -> true.
close(Port) ->
    port_close(Port).

%% The CRC-32 (IEEE 802.3, as zlib's crc32()) of Data.
-spec crc32(iodata()) -> non_neg_integer().
crc32(Data) ->
    Port = open(),
    try
        {Crc, _Bytes} = update(Port, Data),
        Crc
    after
        close(Port)
    end.

%% Where the driver was loaded from: {file, Dir} or {memory, Label, Bytes};
%% undefined when it is not loaded.
-spec loaded_from() -> {file, file:filename()}
                     | {memory, file:filename(), non_neg_integer()}
                     | undefined.
loaded_from() ->
    persistent_term:get(?LOADED_FROM_KEY, undefined).

load_driver(Path) ->
    try
        erl_ddll:load(Path, ?DRIVER)
    catch
        %% An Erlang/OTP whose erl_ddll takes only a directory.
        error:badarg when is_map(Path) ->
            {error, no_driver_from_memory}
    end.

load_error_text(no_driver_from_memory) ->
    "this Erlang/OTP cannot load drivers from memory (erl_ddll:load/2"
        " takes no map)";
load_error_text(Reason) ->
    erl_ddll:format_error(Reason).

-ifdef(EMBED_DRIVER_IMAGE).
driver_path() ->
    {ok, #{memory => embedded_nif_image(), filename => ?DRIVER}}.
-else.
driver_path() ->
    try code:priv_driver(?APP, ?DRIVER) of
        Path ->
            {ok, Path}
    catch
        %% The application is not in the code path, or the escript's archive
        %% lacks the driver; Text says so, and what to do.
        error:{Why, Text} when Why =:= bad_name;
                               Why =:= driver_not_in_archive ->
            {error, {Why, Text}};
        %% An Erlang/OTP without code:priv_driver/2 loads only from files:
        %% that still works when the priv directory is a directory.
        error:undef ->
            case code:priv_dir(?APP) of
                {error, bad_name} ->
                    {error, {bad_name, "application " ++ atom_to_list(?APP)
                                       ++ " is not in the code path"}};
                PrivDir ->
                    {ok, PrivDir}
            end
    end.
-endif.

describe(#{memory := Image} = Path) ->
    {memory, maps:get(filename, Path, ?DRIVER), byte_size(Image)};
describe(Dir) ->
    {file, Dir}.
