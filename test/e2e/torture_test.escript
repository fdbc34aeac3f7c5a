%% SPDX-License-Identifier: Apache-2.0
%%
%% torture_test.escript LIBRARY REGIONS REFERENCE_FIELDS COUNT FAULT_REPORT_SO
%%                       KEEP_DIR
%%
%% A VM takes COUNT mutants of the NIF library LIBRARY (module seed_c_nif)
%% through erlang:load_nif(#{memory => Mutant, filename => ...}, 0), and
%% unloads each again. A mutant is the library cut short (one in eight) or
%% with 1 to 8 bytes (fewer more often) edited inside the regions listed in REGIONS ("OFFSET SIZE
%% NAME" a line, from load_mutation_run --print-regions): headers, dynamic
%% section, symbol, relocation, hash, string and version tables, and the NIF
%% entry with its function table.
%%
%% The VM is a peer node (torture_child.erl runs there) with FAULT_REPORT_SO
%% preloaded. When it dies, the fault report says whose code was running,
%% the death is counted under that owner, and a new VM takes the next
%% mutant. Edits that move a reference onto another target (a relocation's
%% offset, symbol or addend, a symbol's value or type, DT_INIT or DT_FINI: the
%% REFERENCE_FIELDS that load_mutation_run --print-reference-fields lists)
%% are out of the validator's scope, as edits of the code are: such a
%% library can run astray in its own code (its init or load function, a
%% destructor, a jump through a moved pointer), and the dynamic linker that
%% called it can die of what it left. So a death in the library's own code,
%% and a death in the dynamic linker or a hang after edits of such fields
%% alone, are counted as out of scope. Any other death (in erts above all,
%% which must read every entry safely; in code of no file, which may be the
%% JIT's; with no fault report), a hang, or an answer other than ok or
%% {error, {Atom, Text}} fails the test, and its mutant and fault report
%% are kept in KEEP_DIR. In the end
%% the last VM has the file descriptors it had after its start, and
%% /dev/shm what it held before. Prints a table of the outcomes.
-mode(compile).

-define(LABEL, "/torture/seed_c_nif_mutant.so").
-define(CALL_TIMEOUT, 30000).

main([Library, RegionsFile, FieldsFile, CountText, FaultReportSo, KeepDir]) ->
    {ok, Image} = file:read_file(Library),
    Regions = read_regions(RegionsFile),
    Count = list_to_integer(CountText),
    Env = #{beam => loader_module(),
            rebinding => read_regions(FieldsFile),
            child_beam => child_module(),
            preload => FaultReportSo,
            report => filename:join(KeepDir, "fault_report.txt"),
            keep_dir => KeepDir},
    rand:seed(exsss, {20000, 8, 1}),
    ShmBefore = shm(),
    {Tally, Child} = run(1, Count, Image, Regions, Env, none, #{}),
    {Fds, FdsAfter} = settle(Child),
    ShmAfter = wait_until(fun shm/0, ShmBefore, 100),
    stop_child(Child),
    io:format("~b mutants of ~s:~n", [Count, filename:basename(Library)]),
    [io:format("  ~-58s ~8b~n", [format_outcome(Outcome), N])
     || {Outcome, N} <- lists:sort(maps:to_list(Tally))],
    Sum = fun(Class) -> lists:sum([N || {Outcome, N} <- maps:to_list(Tally),
                                         summary_class(Outcome) =:= Class])
          end,
    io:format("  refused ~b, loaded ~b, deaths and hangs out of scope ~b, "
              "failures ~b~n",
              [Sum(refused), Sum(loaded), Sum(out_of_scope), Sum(failure)]),
    io:format("  file descriptors of the last VM: ~b after its start, ~b at "
              "the end; /dev/shm entries ~b before, ~b after~n",
              [length(Fds), length(FdsAfter),
               length(ShmBefore), length(ShmAfter)]),
    Failures = [Outcome || Outcome <- maps:keys(Tally), fails(Outcome)],
    Leaks = Fds =/= FdsAfter orelse ShmBefore =/= ShmAfter,
    if
        Failures =/= [] ->
            io:format("torture_test: FAILED: ~p; the mutants are in ~s~n",
                      [Failures, KeepDir]),
            halt(1);
        Leaks ->
            io:format("torture_test: FAILED: resources left behind~n"),
            halt(1);
        true ->
            halt(0)
    end;
main(_) ->
    io:format("usage: torture_test.escript LIBRARY REGIONS REFERENCE_FIELDS "
              "COUNT FAULT_REPORT_SO KEEP_DIR~n"),
    halt(2).

run(I, Count, _Image, _Regions, _Env, Child, Tally) when I > Count ->
    {Tally, Child};
run(I, Count, Image, Regions, Env, Child0, Tally) ->
    {Mutant, Edited} = mutate(Image, Regions),
    Child = ensure_child(Child0, Env),
    {Outcome0, Next} = load_in(Child, Mutant, Env),
    Outcome = case Outcome0 of
                  {died, Owner} -> {died, Owner, edit_class(Edited, Env)};
                  hung -> {hung, edit_class(Edited, Env)};
                  _ -> Outcome0
              end,
    case fails(Outcome) of
        true ->
            Kept = filename:join(maps:get(keep_dir, Env),
                                 io_lib:format("mutant-~b.so", [I])),
            ok = file:write_file(Kept, Mutant),
            _ = file:copy(maps:get(report, Env), Kept ++ ".fault_report"),
            io:format("mutant ~b: ~s; kept as ~s~n",
                      [I, format_outcome(Outcome), Kept]);
        false ->
            ok
    end,
    run(I + 1, Count, Image, Regions, Env, Next,
        maps:update_with(Outcome, fun(C) -> C + 1 end, 1, Tally)).

%% Loads Mutant in Child: the answer, or the death of Child and its owner.
load_in({Peer, OsPid} = Child, Mutant, Env) ->
    Args = [maps:get(beam, Env), Mutant, ?LABEL],
    try peer:call(Peer, torture_child, load, Args, ?CALL_TIMEOUT) of
        Answer when is_atom(Answer) -> {Answer, Child};
        Bad -> {{bad_answer, Bad}, Child}
    catch
        exit:{timeout, _} ->
            os:cmd("kill -KILL " ++ OsPid),
            {hung, none};
        Class:Reason ->
            case is_process_alive(Peer) of
                true ->
                    {{raised, Class, Reason}, Child};
                false ->
                    wait_for_exit(OsPid, 100),
                    {{died, death_owner(maps:get(report, Env))}, none}
            end
    end.

fails(ok) -> false;
fails({died, library, _}) -> false;
fails({died, dynamic_linker, rebinding}) -> false;
fails({hung, rebinding}) -> false;
fails(Answer) when is_atom(Answer) -> false;
fails(_) -> true.

summary_class(ok) -> loaded;
summary_class(Outcome) ->
    case fails(Outcome) of
        true -> failure;
        false when is_atom(Outcome) -> refused;
        false -> out_of_scope
    end.

%% rebinding when every edited byte lies in a field that only says where a
%% reference goes; other for a cut or any other edit.
edit_class(truncated, _Env) ->
    other;
edit_class(Offsets, #{rebinding := Fields}) ->
    InField = fun(At) ->
                      lists:any(fun({Offset, Size}) ->
                                        At >= Offset andalso At < Offset + Size
                                end, Fields)
              end,
    case lists:all(InField, Offsets) of
        true -> rebinding;
        false -> other
    end.

%% A peer node that the next mutants are loaded in, and its OS pid.
ensure_child(none, Env) ->
    Report = maps:get(report, Env),
    _ = file:delete(Report),
    Erl = filename:join([code:root_dir(), "bin", "erl"]),
    {ok, Peer, _Node} =
        peer:start(#{connection => standard_io, exec => Erl,
                     env => [{"LD_PRELOAD", maps:get(preload, Env)},
                             {"FAULT_REPORT", Report},
                             {"FAULT_REPORT_LIBRARY",
                              filename:basename(?LABEL, ".so")}]}),
    {module, torture_child} =
        peer:call(Peer, code, load_binary,
                  [torture_child, "torture_child.erl",
                   maps:get(child_beam, Env)]),
    {Peer, peer:call(Peer, os, getpid, [])};
ensure_child(Child, _Env) ->
    Child.

stop_child(none) -> ok;
stop_child({Peer, _}) -> peer:stop(Peer).

%% The last VM's descriptors after its start and at the end, once the
%% unloads have settled.
settle(none) ->
    {[], []};
settle({Peer, _}) ->
    {Fds, _} = peer:call(Peer, torture_child, resources, []),
    Now = fun() -> element(1, peer:call(Peer, torture_child, resources, [])) end,
    {Fds, wait_until(Now, Fds, 100)}.

wait_for_exit(_OsPid, 0) ->
    ok;
wait_for_exit(OsPid, Tries) ->
    case filelib:is_file("/proc/" ++ OsPid) of
        true -> timer:sleep(50), wait_for_exit(OsPid, Tries - 1);
        false -> ok
    end.

%% Whose code the dead VM was running, from fault_report.so's report
%% (test/fuzz/fault_owner.h says how it is found): library, dynamic_linker,
%% erts or unattributed.
death_owner(Report) ->
    case file:read_file(Report) of
        {ok, <<"signal ", _/binary>> = Text} ->
            case [Owner || <<"owner ", Owner/binary>> <- string:lexemes(Text, "\n")] of
                [Owner | _] -> binary_to_atom(Owner);
                [] -> no_fault_report
            end;
        _ ->
            no_fault_report
    end.

%% A mutant and the offsets of the bytes edited, or truncated.
mutate(Image, Regions) ->
    case rand:uniform(8) of
        1 ->
            {binary:part(Image, 0, rand:uniform(byte_size(Image)) - 1),
             truncated};
        _ ->
            %% Fewer edits more often: most single edits load.
            edit(rand:uniform(rand:uniform(8)), Image, Regions, [])
    end.

edit(0, Image, _Regions, Offsets) ->
    {Image, Offsets};
edit(N, Image, Regions, Offsets) ->
    {Offset, Size} = lists:nth(rand:uniform(length(Regions)), Regions),
    At = Offset + rand:uniform(Size) - 1,
    <<Before:At/binary, Byte, After/binary>> = Image,
    New = case rand:uniform(4) of
              1 -> Byte bxor (1 bsl (rand:uniform(8) - 1));
              2 -> rand:uniform(256) - 1;
              3 -> lists:nth(rand:uniform(2), [0, 255]);
              4 -> (Byte + lists:nth(rand:uniform(2), [1, 255])) band 255
          end,
    edit(N - 1, <<Before/binary, New, After/binary>>, Regions, [At | Offsets]).

read_regions(File) ->
    {ok, Text} = file:read_file(File),
    [begin
         [Offset, Size | _] = string:lexemes(Line, " "),
         {binary_to_integer(Offset), binary_to_integer(Size)}
     end || Line <- string:lexemes(Text, "\n")].

%% A module seed_c_nif whose load/1 calls erlang:load_nif/2, with the
%% functions that the library implements (test/fuzz/seed_nifs/seed_c_nif.c).
loader_module() ->
    Stub = fun(Name) ->
                   {function, 4, Name, 1,
                    [{clause, 4, [{var, 4, '_'}], [],
                      [{call, 4, {remote, 4, {atom, 4, erlang},
                                  {atom, 4, nif_error}},
                        [{atom, 4, not_loaded}]}]}]}
           end,
    Forms = [{attribute, 1, module, seed_c_nif},
             {attribute, 2, export, [{load, 1}, {greeting, 1}, {length, 1}]},
             {function, 3, load, 1,
              [{clause, 3, [{var, 3, 'Source'}], [],
                [{call, 3, {remote, 3, {atom, 3, erlang}, {atom, 3, load_nif}},
                  [{var, 3, 'Source'}, {integer, 3, 0}]}]}]},
             Stub(greeting), Stub(length)],
    {ok, seed_c_nif, Beam} = compile:forms(Forms),
    Beam.

child_module() ->
    Source = filename:join(filename:dirname(escript:script_name()),
                           "torture_child.erl"),
    {ok, torture_child, Beam} = compile:file(Source, [binary, report]),
    Beam.

shm() ->
    {ok, Names} = file:list_dir("/dev/shm"),
    lists:sort(Names).

%% Fun() once it gives Expected, or what it gives after Tries waits.
wait_until(Fun, _Expected, 0) ->
    Fun();
wait_until(Fun, Expected, Tries) ->
    case Fun() of
        Expected -> Expected;
        _ -> timer:sleep(100), wait_until(Fun, Expected, Tries - 1)
    end.

format_outcome(ok) -> "loaded, then unloaded";
format_outcome({hung, rebinding}) ->
    "hung, references moved (out of scope)";
format_outcome({hung, other}) -> "hung";
format_outcome({died, library, _}) ->
    "died in the library's own code (out of scope)";
format_outcome({died, dynamic_linker, rebinding}) ->
    "died in ld.so, references moved (out of scope)";
format_outcome({died, Owner, rebinding}) ->
    io_lib:format("died: ~p, references moved", [Owner]);
format_outcome({died, Owner, other}) ->
    io_lib:format("died: ~p", [Owner]);
format_outcome(Atom) when is_atom(Atom) ->
    io_lib:format("refused: {error, {~p, _}}", [Atom]);
format_outcome(Other) ->
    io_lib:format("~0p", [Other]).
