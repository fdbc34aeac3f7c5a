%% SPDX-License-Identifier: Apache-2.0
%%
%% memnif_checksum: the CRC-32 of files, computed by a NIF written in C++.
%%
%% As an escript (main/1), it is one file that carries its NIF library in its
%% archive; on an Erlang/OTP that can load NIF libraries from memory the
%% library is loaded from there, with no file extracted anywhere.
%%
%%     memnif_checksum [--driver] [--verbose] [--show-maps] [--wait] FILE...
%%
%% prints "crc32 <hex> <bytes> <file>" for each FILE. --driver also computes
%% it with the linked-in driver memnif_checksum_drv (carried and loaded the
%% same way) and prints "driver crc32 <hex> <bytes> <file>". --verbose also
%% tells where the NIF library (and the driver) was loaded from, --show-maps
%% prints the lines of /proc/self/maps that map them, --wait prints
%% "waiting <os pid>" and waits for a line on standard input before exiting
%% (to look at the running process). Exit status: 0, 1 if a file could not
%% be read, 2 on bad usage, 3 if the NIF library or the driver cannot be
%% loaded.
-module(memnif_checksum).

%% Erlang/OTP 27 enables maybe_expr by default and records that in the .beam;
%% an Erlang/OTP 25 then refuses the module. Off, the module loads there too.
-feature(maybe_expr, disable).

-export([main/1, file/1, file_by_driver/1]).

-define(CHUNK_SIZE, (1024 * 1024)).
-define(NIF_MODULE, memnif_checksum_nif).
-define(NIF_LIBRARY, "memnif_checksum_nif").
-define(DRIVER, "memnif_checksum_drv").

-define(EXIT_FILE_ERROR, 1).
-define(EXIT_USAGE, 2).
-define(EXIT_NO_NIF, 3).

%% The CRC-32 and size of a file, read in chunks.
-spec file(file:name_all()) -> {ok, Crc32 :: non_neg_integer(), Bytes :: non_neg_integer()}
                             | {error, file:posix() | badarg}.
file(Name) ->
    fold_chunks(Name, fun(Chunk, Crc) -> ?NIF_MODULE:crc32(Crc, Chunk) end).

%% The same, computed by the driver: the port keeps the running CRC-32.
-spec file_by_driver(file:name_all()) ->
          {ok, Crc32 :: non_neg_integer(), Bytes :: non_neg_integer()}
        | {error, file:posix() | badarg}.
file_by_driver(Name) ->
    Port = memnif_checksum_drv:open(),
    try
        fold_chunks(Name, fun(Chunk, _Crc) ->
                                  {Crc, _Bytes} = memnif_checksum_drv:update(Port, Chunk),
                                  Crc
                          end)
    after
        memnif_checksum_drv:close(Port)
    end.

%% Update(Chunk, Crc) over the file's chunks, from a CRC-32 of 0; returns
%% the last CRC-32 and the file's size.
fold_chunks(Name, Update) ->
    case file:open(Name, [read, raw, binary]) of
        {ok, Fd} ->
            try
                fold_rest(Fd, Update, 0, 0)
            after
                ok = file:close(Fd)
            end;
        {error, _} = Error ->
            Error
    end.

fold_rest(Fd, Update, Crc, Bytes) ->
    case file:read(Fd, ?CHUNK_SIZE) of
        {ok, Chunk} ->
            fold_rest(Fd, Update, Update(Chunk, Crc), Bytes + byte_size(Chunk));
        eof ->
            {ok, Crc, Bytes};
        {error, _} = Error ->
            Error
    end.

-spec main([string()]) -> no_return().
main(Args) ->
    case parse_args(Args, #{driver => false, verbose => false, show_maps => false,
                            wait => false}, []) of
        {ok, Options, Files} ->
            Driver = maps:get(driver, Options),
            ok = ensure_nif_loaded(),
            Driver andalso ensure_driver_loaded(),
            maps:get(verbose, Options) andalso print_loaded_from(Driver),
            maps:get(show_maps, Options) andalso print_maps(),
            Print = fun(File, Status) -> print_checksums(File, Driver, Status) end,
            Status = lists:foldl(Print, 0, Files),
            maps:get(wait, Options) andalso wait_for_stdin(),
            halt(Status);
        {error, Message} ->
            io:format(standard_error, "memnif_checksum: ~ts~n~ts", [Message, usage()]),
            halt(?EXIT_USAGE)
    end.

parse_args(["--driver" | Args], Options, Files) ->
    parse_args(Args, Options#{driver := true}, Files);
parse_args(["--verbose" | Args], Options, Files) ->
    parse_args(Args, Options#{verbose := true}, Files);
parse_args(["--show-maps" | Args], Options, Files) ->
    parse_args(Args, Options#{show_maps := true}, Files);
parse_args(["--wait" | Args], Options, Files) ->
    parse_args(Args, Options#{wait := true}, Files);
parse_args(["--" | Rest], Options, Files) ->
    finish_args(Options, lists:reverse(Files, Rest));
parse_args(["-" ++ _ = Option | _], _Options, _Files) ->
    {error, "unknown option " ++ Option};
parse_args([File | Args], Options, Files) ->
    parse_args(Args, Options, [File | Files]);
parse_args([], Options, Files) ->
    finish_args(Options, lists:reverse(Files)).

finish_args(_Options, []) -> {error, "no file given"};
finish_args(Options, Files) -> {ok, Options, Files}.

usage() ->
    "usage: memnif_checksum [--driver] [--verbose] [--show-maps] [--wait] FILE...\n".

print_checksums(File, Driver, Status0) ->
    Status = print_checksum("crc32", fun file/1, File, Status0),
    case Driver of
        true -> print_checksum("driver crc32", fun file_by_driver/1, File, Status);
        false -> Status
    end.

print_checksum(Tag, Checksum, File, Status) ->
    case Checksum(File) of
        {ok, Crc, Bytes} ->
            io:format("~s ~8.16.0b ~b ~ts~n", [Tag, Crc, Bytes, File]),
            Status;
        {error, Reason} ->
            io:format(standard_error, "memnif_checksum: ~ts: ~ts~n",
                      [File, file:format_error(Reason)]),
            ?EXIT_FILE_ERROR
    end.

%% Loads the NIF module, or explains why it cannot and exits.
ensure_nif_loaded() ->
    case can_load_nif() of
        ok ->
            case code:ensure_loaded(?NIF_MODULE) of
                {module, ?NIF_MODULE} ->
                    ok;
                {error, What} ->
                    %% memnif_checksum_nif's on_load leaves its reason there.
                    case persistent_term:get({?NIF_MODULE, load_error}, What) of
                        {Kind, Text} when is_atom(Kind), is_list(Text) ->
                            fail_no_nif("the NIF library could not be loaded: ~s: ~ts",
                                        [Kind, Text]);
                        Reason ->
                            fail_no_nif("the NIF library could not be loaded: ~tp",
                                        [Reason])
                    end
            end;
        {error, Why} ->
            fail_no_nif("this Erlang/OTP ~ts cannot load NIF libraries from memory: ~ts",
                        [otp_version(), Why])
    end.

%% Loads the driver for this process, or explains why it cannot and exits.
ensure_driver_loaded() ->
    case memnif_checksum_drv:load() of
        ok ->
            true;
        {error, {_Reason, Text}} ->
            fail_no_nif("the driver " ?DRIVER " could not be loaded: ~ts", [Text])
    end.

%% A stock Erlang/OTP loads NIF libraries only from files. Tell that apart
%% before loading the NIF module, whose on_load would fail with a crash
%% report instead. From a priv directory that is a directory, it still works.
can_load_nif() ->
    HasPrivNif = erlang:function_exported(code, priv_nif, 2),
    PrivDir = code:priv_dir(memnif_checksum),
    IsDirectory = is_list(PrivDir) andalso filelib:is_dir(PrivDir),
    if
        HasPrivNif; IsDirectory ->
            ok;
        true ->
            {error, "code:priv_nif/2 is missing (erlang:load_nif/2 takes no"
                    " #{memory => Binary}), and the NIF library " ?NIF_LIBRARY
                    " is inside the escript's archive, not in a file"}
    end.

otp_version() ->
    io_lib:format("~s (erts-~s)", [erlang:system_info(otp_release),
                                   erlang:system_info(version)]).

fail_no_nif(Format, Args) ->
    io:format(standard_error, "memnif_checksum: error: " ++ Format ++ "~n", Args),
    halt(?EXIT_NO_NIF).

print_loaded_from(Driver) ->
    case ?NIF_MODULE:loaded_from() of
        {file, Path} ->
            io:format("nif ~s loaded from file ~ts~n", [?NIF_LIBRARY, Path ++ ".so"]);
        {memory, Label, Bytes} ->
            io:format("nif ~s loaded from memory: ~b bytes labelled ~ts~n",
                      [?NIF_LIBRARY, Bytes, Label])
    end,
    Driver andalso
        case memnif_checksum_drv:loaded_from() of
            {file, Dir} ->
                io:format("driver ~s loaded from file ~ts~n",
                          [?DRIVER, filename:join(Dir, ?DRIVER ".so")]);
            {memory, DriverLabel, DriverBytes} ->
                io:format("driver ~s loaded from memory: ~b bytes labelled ~ts~n",
                          [?DRIVER, DriverBytes, DriverLabel])
        end.

%% The mappings of the NIF library and the driver, as the kernel shows
%% them: a memfd ("/memfd:memnif_checksum_nif (deleted)") or the .so file.
print_maps() ->
    case file:read_file("/proc/self/maps") of
        {ok, Maps} ->
            [io:format("maps ~ts~n", [Line])
             || Line <- string:split(Maps, "\n", all),
                string:find(Line, ?NIF_LIBRARY) =/= nomatch
                    orelse string:find(Line, ?DRIVER) =/= nomatch];
        {error, Reason} ->
            io:format(standard_error, "memnif_checksum: /proc/self/maps: ~ts~n",
                      [file:format_error(Reason)])
    end.

wait_for_stdin() ->
    io:format("waiting ~s~n", [os:getpid()]),
    _ = io:get_line(""),
    true.
