#!/usr/bin/env escript
%% SPDX-License-Identifier: Apache-2.0
%%
%% remote_crc32.escript EMBEDDED_BEAM FILE
%%
%% Starts a peer node on 127.0.0.1 that has nothing of memnif_checksum, sends
%% it a self-contained module as a binary, memnif_checksum_nif.beam (the NIF
%% library inside it) or memnif_checksum_drv.beam (the driver inside it),
%% loads it there with code:load_binary/3 and has the peer's native code
%% compute the CRC-32 of FILE's contents (read here, sent over distribution).
-mode(compile).

main([EmbeddedBeam, File]) ->
    {ok, Beam} = file:read_file(EmbeddedBeam),
    {ok, {Module, _}} = beam_lib:version(Beam),
    {ok, Data} = file:read_file(File),
    ok = start_distribution(),
    {ok, Peer, Node} = peer:start_link(#{name => "memnif_demo_peer_" ++ os:getpid(),
                                         host => "127.0.0.1",
                                         longnames => true,
                                         args => ["-setcookie", atom_to_list(erlang:get_cookie())]}),
    try
        io:format("peer ~s: code:which(~s) = ~p~n",
                  [Node, Module, erpc:call(Node, code, which, [Module])]),
        {module, Mod} = erpc:call(Node, code, load_binary,
                                  [Module, atom_to_list(Module) ++ ".beam", Beam]),
        %% A driver is loaded when first used, a NIF library when its
        %% module is.
        Crc = erpc:call(Node, Mod, crc32, [Data]),
        io:format("peer ~s: loaded ~s from a ~b-byte binary; its native code loaded from ~0p~n",
                  [Node, Mod, byte_size(Beam), erpc:call(Node, Mod, loaded_from, [])]),
        io:format("peer ~s: crc32 ~8.16.0b ~b ~ts~n", [Node, Crc, byte_size(Data), File]),
        PeerPid = erpc:call(Node, os, getpid, []),
        {ok, Maps} = file:read_file("/proc/" ++ PeerPid ++ "/maps"),
        [io:format("peer ~s: /proc/~s/maps ~ts~n", [Node, PeerPid, Line])
         || Line <- binary:split(Maps, <<"\n">>, [global]),
            binary:match(Line, atom_to_binary(Module)) =/= nomatch]
    after
        peer:stop(Peer)
    end,
    ok;
main(_) ->
    io:format(standard_error, "usage: remote_crc32.escript EMBEDDED_BEAM FILE~n", []),
    halt(2).

start_distribution() ->
    Epmd = case os:find_executable("epmd", filename:join(code:root_dir(), "bin")) of
               false -> os:find_executable("epmd");
               Path -> Path
           end,
    _ = os:cmd(Epmd ++ " -daemon"),
    {ok, _} = net_kernel:start(list_to_atom("memnif_demo_" ++ os:getpid() ++ "@127.0.0.1"),
                               #{name_domain => longnames}),
    ok.
