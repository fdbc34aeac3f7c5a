%% SPDX-License-Identifier: Apache-2.0
%%
%% The half of the VM torture test that runs in the VM under test, a peer
%% node that torture_test.escript starts and restarts: load/2 loads one
%% mutant through erlang:load_nif/2 and unloads it again.
-module(torture_child).
-export([load/3, resources/0]).

%% Loads Beam, a module seed_c_nif whose load/1 calls erlang:load_nif/2,
%% lets it load Mutant labelled Label, and deletes and purges it again (which
%% unloads the library). Returns ok or the atom of {error, {Atom, Text}}.
load(Beam, Mutant, Label) ->
    {module, seed_c_nif} = code:load_binary(seed_c_nif, "seed_c_nif", Beam),
    try seed_c_nif:load(#{memory => Mutant, filename => Label}) of
        ok ->
            ok;
        {error, {Atom, Text}} when is_atom(Atom) ->
            case io_lib:printable_unicode_list(Text) of
                true -> Atom;
                false -> {not_a_text, Atom, Text}
            end;
        Other ->
            {unexpected_answer, Other}
    after
        true = code:delete(seed_c_nif),
        code:purge(seed_c_nif)
    end.

%% This VM's open file descriptors and what /dev/shm holds.
resources() ->
    {ok, Fds} = file:list_dir("/proc/self/fd"),
    {ok, Shm} = file:list_dir("/dev/shm"),
    {lists:sort(Fds), lists:sort(Shm)}.
