%% SPDX-License-Identifier: Apache-2.0
%%
%% torture_test.escript LIBRARY REGIONS COUNT
%%
%% One VM takes COUNT mutants of the NIF library LIBRARY (module seed_c_nif)
%% through erlang:load_nif(#{memory => Mutant}, 0) and must survive every
%% one. A mutant is the library cut short (one in eight) or with 1 to 8 bytes
%% edited inside the regions listed in REGIONS ("OFFSET SIZE NAME" a line,
%% from load_mutation_run --print-regions). Every answer is ok or
%% {error, {Atom, Text}}; in the end, with the module purged, the VM has the
%% file descriptors and /dev/shm entries it had before. Prints a table of
%% the answers.
-mode(compile).

main([Library, RegionsFile, CountText]) ->
    {ok, Image} = file:read_file(Library),
    Regions = read_regions(RegionsFile),
    Count = list_to_integer(CountText),
    Beam = loader_module(),
    rand:seed(exsss, {20000, 8, 1}),
    FdsBefore = fds(),
    ShmBefore = shm(),
    Tally = run(Count, Image, Regions, Beam, #{}),
    Settled = wait_until(fun() -> fds() =:= FdsBefore andalso
                                      shm() =:= ShmBefore end, 100),
    io:format("~b mutants, one VM:~n", [Count]),
    [io:format("  ~-40s ~8b~n", [format_answer(Answer), N])
     || {Answer, N} <- lists:sort(maps:to_list(Tally))],
    io:format("  file descriptors ~b before, ~b after; /dev/shm entries "
              "~b before, ~b after~n",
              [length(FdsBefore), length(fds()),
               length(ShmBefore), length(shm())]),
    case Settled of
        true -> halt(0);
        false -> io:format("torture_test: resources left behind~n"), halt(1)
    end;
main(_) ->
    io:format("usage: torture_test.escript LIBRARY REGIONS COUNT~n"),
    halt(2).

run(0, _Image, _Regions, _Beam, Tally) ->
    Tally;
run(N, Image, Regions, Beam, Tally) ->
    Mutant = mutate(Image, Regions),
    %% Kept where the wrapper says, so that a VM that dies leaves its killer.
    case os:getenv("TORTURE_LAST_MUTANT") of
        false -> ok;
        Last -> ok = file:write_file(Last, Mutant)
    end,
    {module, seed_c_nif} = code:load_binary(seed_c_nif, "seed_c_nif", Beam),
    Answer = case seed_c_nif:load(#{memory => Mutant}) of
                 ok ->
                     ok;
                 {error, {Atom, Text}} when is_atom(Atom) ->
                     case io_lib:printable_unicode_list(Text) of
                         true -> Atom;
                         false -> exit({not_a_text, lists:flatten(io_lib:format("~w", [Text]))})
                     end;
                 Other ->
                     exit({unexpected_answer, Other})
             end,
    true = code:delete(seed_c_nif),
    code:purge(seed_c_nif),
    run(N - 1, Image, Regions, Beam, maps:update_with(Answer, fun(C) -> C + 1 end,
                                                       1, Tally)).

mutate(Image, Regions) ->
    case rand:uniform(8) of
        1 ->
            binary:part(Image, 0, rand:uniform(byte_size(Image)) - 1);
        _ ->
            edit(rand:uniform(8), Image, Regions)
    end.

edit(0, Image, _Regions) ->
    Image;
edit(N, Image, Regions) ->
    {Offset, Size} = lists:nth(rand:uniform(length(Regions)), Regions),
    At = Offset + rand:uniform(Size) - 1,
    <<Before:At/binary, Byte, After/binary>> = Image,
    New = case rand:uniform(4) of
              1 -> Byte bxor (1 bsl (rand:uniform(8) - 1));
              2 -> rand:uniform(256) - 1;
              3 -> lists:nth(rand:uniform(2), [0, 255]);
              4 -> (Byte + lists:nth(rand:uniform(2), [1, 255])) band 255
          end,
    edit(N - 1, <<Before/binary, New, After/binary>>, Regions).

read_regions(File) ->
    {ok, Text} = file:read_file(File),
    [begin
         [Offset, Size | _] = string:lexemes(Line, " "),
         {binary_to_integer(Offset), binary_to_integer(Size)}
     end || Line <- string:lexemes(Text, "\n")].

%% A module seed_c_nif whose load/1 calls erlang:load_nif/2.
loader_module() ->
    Forms = [{attribute, 1, module, seed_c_nif},
             {attribute, 2, export, [{load, 1}]},
             {function, 3, load, 1,
              [{clause, 3, [{var, 3, 'Source'}], [],
                [{call, 3, {remote, 3, {atom, 3, erlang}, {atom, 3, load_nif}},
                  [{var, 3, 'Source'}, {integer, 3, 0}]}]}]}],
    {ok, seed_c_nif, Beam} = compile:forms(Forms),
    Beam.

fds() ->
    {ok, Fds} = file:list_dir("/proc/self/fd"),
    lists:sort(Fds).

shm() ->
    {ok, Names} = file:list_dir("/dev/shm"),
    lists:sort(Names).

wait_until(Fun, 0) ->
    Fun();
wait_until(Fun, Tries) ->
    case Fun() of
        true -> true;
        false -> timer:sleep(100), wait_until(Fun, Tries - 1)
    end.

format_answer(ok) -> "ok (loaded, then purged)";
format_answer(Atom) -> io_lib:format("{error, {~p, _}}", [Atom]).
