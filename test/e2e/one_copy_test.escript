#!/usr/bin/env escript
%% SPDX-License-Identifier: Apache-2.0
%%
%% one_copy_test.escript CXX_NIF C_NIF
%%
%% One copy per image (e2e.one_copy_per_image), in one patched VM:
%%   1. CXX_NIF (seed_cxx_nif.so) has a thread_local with a destructor, so
%%      once a scheduler has called it the dynamic linker never unloads it.
%%      1,000 load/call/purge cycles from memory must leave one copy mapped
%%      (one memfd inode), at most one memfd descriptor open, and Shmem in
%%      /proc/meminfo grown by at most one image (plus 4 MiB of slack for
%%      the rest of the machine). Before one copy per image, each cycle
%%      kept a copy and a descriptor.
%%   2. C_NIF (seed_c_nif.so) is unloaded when purged: 200 cycles, each
%%      after a full unload, each with nothing of the last one left.
%% Prints the counts; exits 1 on the first check that fails.
-mode(compile).

main([CxxNif, CNif]) ->
    try
        thread_local_library_is_held_once(CxxNif),
        unloadable_library_is_loaded_afresh(CNif),
        io:format("one_copy_test: all checks passed~n")
    catch
        throw:{failed, Format, Args} ->
            io:format(standard_error, "one_copy_test: FAIL: " ++ Format ++ "~n", Args),
            halt(1)
    end;
main(_) ->
    io:format(standard_error, "usage: one_copy_test.escript CXX_NIF C_NIF~n", []),
    halt(2).

thread_local_library_is_held_once(File) ->
    {ok, Image} = file:read_file(File),
    Label = filename:basename(File),
    Beam = stub_module(seed_cxx_nif, [{word_value, 1}, {words, 0}]),
    Cycle = fun(_) ->
                    load(seed_cxx_nif, Beam, #{memory => Image, filename => File}),
                    check(seed_cxx_nif:word_value(<<"two">>) =:= 2,
                          "word_value(<<\"two\">>) is not 2", []),
                    purge(seed_cxx_nif)
            end,
    Cycle(1),
    ShmemBefore = shmem_kib(),
    lists:foreach(Cycle, lists:seq(2, 1000)),
    Inodes = memfd_inodes(Label),
    Fds = memfd_fds(Label),
    ShmemGrowth = shmem_kib() - ShmemBefore,
    io:format("~ts (~w bytes), 1000 load/call/purge cycles from memory: "
              "~w memfd inode(s) mapped, ~w memfd descriptor(s) open, "
              "Shmem grew by ~w KiB~n",
              [Label, byte_size(Image), length(Inodes), Fds, ShmemGrowth]),
    check(length(Inodes) =:= 1, "~w copies of ~ts are mapped, not 1",
          [length(Inodes), Label]),
    check(Fds =< 1, "~w memfd descriptors of ~ts are open, not at most 1",
          [Fds, Label]),
    Slack = byte_size(Image) div 1024 + 4096,
    check(ShmemGrowth =< Slack, "Shmem grew by ~w KiB, more than ~w KiB",
          [ShmemGrowth, Slack]).

unloadable_library_is_loaded_afresh(File) ->
    {ok, Image} = file:read_file(File),
    Label = filename:basename(File),
    Beam = stub_module(seed_c_nif, [{greeting, 1}, {length, 1}]),
    FdsBefore = open_fds(),
    lists:foreach(
      fun(I) ->
              load(seed_c_nif, Beam, #{memory => Image, filename => File}),
              check(memfd_inodes(Label) =/= [], "cycle ~w: ~ts is not mapped",
                    [I, Label]),
              check(seed_c_nif:greeting(1) =:= "hej",
                    "cycle ~w: greeting(1) is not \"hej\"", [I]),
              purge(seed_c_nif),
              wait_until(fun() -> memfd_inodes(Label) =:= [] end,
                         "cycle ~w: ~ts stays mapped after the purge", [I, Label])
      end, lists:seq(1, 200)),
    FdsAfter = open_fds(),
    io:format("~ts, 200 load/call/purge cycles from memory: unmapped after "
              "each purge; descriptors ~w before, ~w after~n",
              [Label, FdsBefore, FdsAfter]),
    check(memfd_fds(Label) =:= 0, "a memfd descriptor of ~ts is left", [Label]),
    check(FdsAfter =< FdsBefore, "descriptors grew from ~w to ~w",
          [FdsBefore, FdsAfter]).

%% A module named Mod whose functions are the NIFs, plus load/1, which
%% calls erlang:load_nif/2 from the module itself.
stub_module(Mod, Nifs) ->
    Stubs = [{function, 1, Name, Arity,
              [{clause, 1, [{var, 1, '_'} || _ <- lists:seq(1, Arity)], [],
                [{call, 1, {remote, 1, {atom, 1, erlang}, {atom, 1, nif_error}},
                  [{atom, 1, not_loaded}]}]}]}
             || {Name, Arity} <- Nifs],
    Load = {function, 1, load, 1,
            [{clause, 1, [{var, 1, 'Arg'}], [],
              [{call, 1, {remote, 1, {atom, 1, erlang}, {atom, 1, load_nif}},
                [{var, 1, 'Arg'}, {integer, 1, 0}]}]}]},
    Forms = [{attribute, 1, module, Mod},
             {attribute, 1, export, [{load, 1} | Nifs]},
             Load | Stubs],
    {ok, Mod, Beam} = compile:forms(Forms, [binary]),
    Beam.

load(Mod, Beam, Arg) ->
    {module, Mod} = code:load_binary(Mod, atom_to_list(Mod) ++ ".erl", Beam),
    case Mod:load(Arg) of
        ok -> ok;
        Error -> throw({failed, "loading ~w from memory: ~p", [Mod, Error]})
    end.

purge(Mod) ->
    true = code:delete(Mod),
    _ = code:purge(Mod),
    ok.

%% The inodes of the memfds named Label that are mapped.
memfd_inodes(Label) ->
    {ok, Maps} = file:read_file("/proc/self/maps"),
    Name = <<"/memfd:", (list_to_binary(Label))/binary, " (deleted)">>,
    lists:usort([Inode || Line <- binary:split(Maps, <<"\n">>, [global]),
                          binary:match(Line, Name) =/= nomatch,
                          [_, _, _, _, Inode | _] <-
                              [binary:split(Line, <<" ">>, [global, trim_all])]]).

%% Open descriptors of this VM that are memfds named Label.
memfd_fds(Label) ->
    {ok, Fds} = file:list_dir("/proc/self/fd"),
    Prefix = "/memfd:" ++ Label ++ " ",
    length([Fd || Fd <- Fds,
                  {ok, Target} <- [file:read_link("/proc/self/fd/" ++ Fd)],
                  lists:prefix(Prefix, Target)]).

open_fds() ->
    {ok, Fds} = file:list_dir("/proc/self/fd"),
    length(Fds).

shmem_kib() ->
    {ok, Info} = file:read_file("/proc/meminfo"),
    {match, [Kib]} = re:run(Info, "^Shmem:\\s+(\\d+) kB", [multiline, {capture, all_but_first, list}]),
    list_to_integer(Kib).

wait_until(Done, Format, Args) ->
    wait_until(Done, Format, Args, 5000).

wait_until(Done, Format, Args, Left) ->
    case Done() of
        true -> ok;
        false when Left =< 0 -> throw({failed, Format, Args});
        false -> timer:sleep(1), wait_until(Done, Format, Args, Left - 1)
    end.

check(true, _, _) -> ok;
check(false, Format, Args) -> throw({failed, Format, Args}).
