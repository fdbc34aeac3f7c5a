#!/usr/bin/env escript
%% SPDX-License-Identifier: Apache-2.0
%%
%% remote_module_test.escript EMBEDDED_BEAM PLAIN_BEAM NIF_SO DRIVER_BEAM
%%                             DRIVER_SO TRACE_PREFIX
%%
%% A self-contained NIF module on another node: a peer node (peer, on
%% 127.0.0.1, started by this Erlang/OTP's erl under strace -ff -o
%% TRACE_PREFIX) gets only the bytes of a .beam over distribution and loads
%% them with code:load_binary/3.
%%
%%   - PLAIN_BEAM, the NIF module as built for a release or an escript, fails
%%     its on_load there: the node has no priv directory to load it from;
%%   - EMBEDDED_BEAM, the same module with the image of NIF_SO compiled into
%%     it, loads, its library is loaded from memory (a memfd named after it),
%%     and the NIF computes the right CRC-32 (checked against erlang:crc32/1,
%%     zlib's, on this node);
%%   - DRIVER_BEAM, the driver's module with the image of DRIVER_SO compiled
%%     into it, loads, its linked-in driver is loaded from memory by
%%     erl_ddll, and a port to it computes the right CRC-32.
%%
%% Prints one line per check; exits 1 if any failed. The caller checks the
%% peer's system calls in TRACE_PREFIX.* afterwards.
-mode(compile).

-define(MOD, memnif_checksum_nif).
-define(LIBRARY, "memnif_checksum_nif").
-define(DRV_MOD, memnif_checksum_drv).
-define(DRIVER, "memnif_checksum_drv").

main([EmbeddedBeam, PlainBeam, NifSo, DriverBeam, DriverSo, TracePrefix]) ->
    {ok, Embedded} = file:read_file(EmbeddedBeam),
    {ok, Plain} = file:read_file(PlainBeam),
    {ok, Image} = file:read_file(NifSo),
    {ok, DrvBeam} = file:read_file(DriverBeam),
    {ok, DrvImage} = file:read_file(DriverSo),
    ok = start_distribution(),
    Strace = os:find_executable("strace"),
    Erl = filename:join([code:root_dir(), "bin", "erl"]),
    PeerName = "memnif_peer_" ++ os:getpid(),
    {ok, Peer, Node} =
        peer:start_link(#{name => PeerName,
                          host => "127.0.0.1",
                          longnames => true,
                          exec => {Strace, ["-f", "-ff", "-qq", "-s", "4096",
                                            "-o", TracePrefix,
                                            "-e", "trace=" ++ traced_calls(),
                                            Erl]},
                          args => ["-setcookie", atom_to_list(erlang:get_cookie())],
                          wait_boot => 60000}),
    io:format("peer ~s started (erl under strace)~n", [Node]),
    Results =
        try
            run_checks(Node, Embedded, Plain, Image)
                ++ run_driver_checks(Node, DrvBeam, DrvImage)
        after
            peer:stop(Peer)
        end,
    Failed = [Name || {Name, false} <- Results],
    io:format("~b checks, ~b failed~n", [length(Results), length(Failed)]),
    halt(case Failed of [] -> 0; _ -> 1 end);
main(_) ->
    io:format(standard_error,
              "usage: remote_module_test.escript EMBEDDED_BEAM PLAIN_BEAM NIF_SO"
              " DRIVER_BEAM DRIVER_SO TRACE_PREFIX~n", []),
    halt(2).

run_checks(Node, Embedded, Plain, Image) ->
    Data = rand:bytes(3 * 1024 * 1024 + 17),
    [check("the peer has neither the module nor its application",
           fun() ->
                   non_existing = erpc:call(Node, code, which, [?MOD]),
                   {error, bad_name} = erpc:call(Node, code, priv_dir, [memnif_checksum])
           end),
     check("the plain .beam fails its on_load there (no priv directory)",
           fun() ->
                   {error, on_load_failure} =
                       erpc:call(Node, code, load_binary, [?MOD, "memnif_checksum_nif.beam", Plain]),
                   false = erpc:call(Node, code, is_loaded, [?MOD])
           end),
     check("the embedded .beam holds the NIF library's image among its literals",
           fun() -> {_, _} = binary:match(beam_literals(?MOD, Embedded), Image) end),
     check("the embedded .beam loads with code:load_binary/3",
           fun() ->
                   %% A file name that does not exist: nothing is read from it.
                   {module, ?MOD} =
                       erpc:call(Node, code, load_binary,
                                 [?MOD, "/nonexistent/memnif_checksum_nif.beam", Embedded])
           end),
     check("its NIF library was loaded from memory, the image of the .so",
           fun() ->
                   Size = byte_size(Image),
                   {memory, ?LIBRARY, Size} = erpc:call(Node, ?MOD, loaded_from, [])
           end),
     check("the NIF computes CRC-32(\"123456789\") = cbf43926",
           fun() -> 16#CBF43926 = erpc:call(Node, ?MOD, crc32, [<<"123456789">>]) end),
     check("the NIF agrees with erlang:crc32/1 on 3 MiB of random data",
           fun() ->
                   Want = erlang:crc32(Data),
                   Want = erpc:call(Node, ?MOD, crc32, [Data]),
                   %% Continued over two pieces, and as an iolist.
                   <<First:1000/binary, Rest/binary>> = Data,
                   Crc1 = erpc:call(Node, ?MOD, crc32, [First]),
                   Want = erpc:call(Node, ?MOD, crc32, [Crc1, [Rest]])
           end),
     check("the peer's /proc/PID/maps maps /memfd:" ?LIBRARY " (deleted)",
           fun() -> only_memfd_mapped(Node, ?LIBRARY) end)].

run_driver_checks(Node, Beam, Image) ->
    Data = rand:bytes(3 * 1024 * 1024 + 17),
    [check("the driver's .beam holds the driver's image among its literals",
           fun() -> {_, _} = binary:match(beam_literals(?DRV_MOD, Beam), Image) end),
     check("the driver's .beam loads with code:load_binary/3",
           fun() ->
                   {module, ?DRV_MOD} =
                       erpc:call(Node, code, load_binary,
                                 [?DRV_MOD, "/nonexistent/memnif_checksum_drv.beam", Beam])
           end),
     check("a port to the driver computes CRC-32(\"123456789\") = cbf43926",
           fun() -> 16#CBF43926 = erpc:call(Node, ?DRV_MOD, crc32, [<<"123456789">>]) end),
     check("its driver was loaded from memory by erl_ddll, the image of the .so",
           fun() ->
                   Size = byte_size(Image),
                   {memory, ?DRIVER, Size} = erpc:call(Node, ?DRV_MOD, loaded_from, []),
                   true = lists:member(?DRIVER, element(2, erpc:call(Node, erl_ddll,
                                                                    loaded_drivers, [])))
           end),
     check("the driver agrees with erlang:crc32/1 on 3 MiB of random data",
           fun() -> Want = erlang:crc32(Data),
                    Want = erpc:call(Node, ?DRV_MOD, crc32, [Data])
           end),
     check("the peer's /proc/PID/maps maps /memfd:" ?DRIVER " (deleted)",
           fun() -> only_memfd_mapped(Node, ?DRIVER) end),
     check("unloaded, the driver's memfd is gone from the peer",
           fun() ->
                   ok = erpc:call(Node, ?DRV_MOD, unload, []),
                   false = lists:member(?DRIVER, element(2, erpc:call(Node, erl_ddll,
                                                                     loaded_drivers, []))),
                   [] = mapped_lines(Node, ?DRIVER)
           end)].

%% Library is mapped, and only from its memfd.
only_memfd_mapped(Node, Library) ->
    Lines = mapped_lines(Node, Library),
    true = Lines =/= [],
    Suffix = iolist_to_binary([" /memfd:", Library, " (deleted)"]),
    true = lists:all(fun(L) ->
                             binary:longest_common_suffix([L, Suffix])
                                 =:= byte_size(Suffix)
                     end, Lines).

mapped_lines(Node, Library) ->
    PeerPid = erpc:call(Node, os, getpid, []),
    {ok, Maps} = file:read_file("/proc/" ++ PeerPid ++ "/maps"),
    [L || L <- binary:split(Maps, <<"\n">>, [global]),
          binary:match(L, list_to_binary(Library)) =/= nomatch].

%% The literal table of a .beam (chunk LitT: uncompressed size, then the
%% literals compressed with zlib, or stored as they are if the size is 0).
beam_literals(Mod, Beam) ->
    {ok, {Mod, [{"LitT", <<Size:32, Table/binary>>}]}} = beam_lib:chunks(Beam, ["LitT"]),
    case Size of
        0 -> Table;
        _ -> zlib:uncompress(Table)
    end.

check(Name, Fun) ->
    try Fun() of
        _ ->
            io:format("PASS: ~ts~n", [Name]),
            {Name, true}
    catch
        Class:Reason:Stack ->
            io:format("FAIL: ~ts~n  ~p:~P~n  ~P~n", [Name, Class, Reason, 20, Stack, 10]),
            {Name, false}
    end.

%% The local node joins distribution on 127.0.0.1; epmd is started first
%% (as erl -name would do).
start_distribution() ->
    Epmd = case os:find_executable("epmd", filename:join(code:root_dir(), "bin")) of
               false -> os:find_executable("epmd");
               Path -> Path
           end,
    _ = os:cmd(Epmd ++ " -daemon"),
    Name = list_to_atom("memnif_e2e_" ++ os:getpid() ++ "@127.0.0.1"),
    {ok, _} = net_kernel:start(Name, #{name_domain => longnames}),
    ok.

traced_calls() ->
    "open,openat,openat2,creat,memfd_create,mkdir,mkdirat,link,linkat,symlink,"
    "symlinkat,rename,renameat,renameat2,mknod,mknodat,unlink,unlinkat".
