#!/usr/bin/env escript
%% SPDX-License-Identifier: Apache-2.0
%%
%% vm_bench.escript OUT_DIR GNUPLOT
%%                  [--entry-probe LIBRARY VALUE LIBRARY VALUE]
%%                  LIBRARY VALUE [LIBRARY VALUE ...]
%%
%% erlang:load_nif/2 in the running VM, for each NIF library LIBRARY (a
%% .so built from vm_bench_nif.c: its module is the file's base name, its
%% NIF value/0 answers VALUE), in these ways:
%%
%%   file          load_nif(Path, 0), the file in the page cache
%%   memory        load_nif(#{memory => Image, filename => Path}, 0)
%%   tmp           today's workaround: the image written to a new file in
%%                 /tmp, load_nif from it, the file deleted (all timed)
%%   shm           the same in /dev/shm (tmpfs)
%%   cycle_file    code:delete/1 and code:purge/1 of an instance loaded from
%%                 the file, its library unloaded, then the .beam loaded
%%                 and load_nif from the file again
%%   cycle_memory  the same from memory
%%   beam_file     code:load_binary/3 of the plain .beam, then load_nif from
%%                 the file
%%   beam_memory   code:load_binary/3 of a .beam that carries the image as
%%                 a literal, its on_load calling load_nif(#{memory => ...})
%%   beam_literal  code:load_binary/3 of a .beam with the image as a literal
%%                 and nothing else: what beam_memory costs before load_nif
%%
%% Every sample is a fresh instance of the module: loaded, its NIF called
%% and its answer checked, deleted and purged, and the library seen gone
%% (its unload callback's message, then /proc/self/maps) before the next
%% sample. The ways take turns, round by round, so that a noisy machine
%% slows them alike. Prints Markdown tables (median and p10-p90 of each
%% way, ratios of medians), writes OUT_DIR/vm_load.dat and a log-log plot,
%% OUT_DIR/vm_load.svg, with GNUPLOT. Fails only when something does not
%% work (a load, an answer, gnuplot); never on timings.
%%
%% With --entry-probe, the two libraries are built with VM_BENCH_HEAP_ENTRY
%% 0 and 1: both copy their entry, strings and function table to the heap,
%% the second returns the copy, which erts reads through its readability
%% probes. They take turns loading from the file and from memory: what the
%% probes add to a load.
-mode(compile).

%% Rounds for images up to 2 MiB, up to 32 MiB, and larger.
-define(ROUNDS_SMALL, 200).
-define(ROUNDS_MEDIUM, 40).
-define(ROUNDS_LARGE, 20).
%% Rounds of the entry-probe comparison.
-define(ROUNDS_ENTRY_PROBE, 400).
-define(WAYS, [file, memory, tmp, shm, cycle_file, cycle_memory,
               beam_file, beam_memory, beam_literal]).

main([OutDir, Gnuplot, "--entry-probe", InFile, InValue, HeapFile, HeapValue
      | LibraryArgs])
  when LibraryArgs =/= [], length(LibraryArgs) rem 2 =:= 0 ->
    main(OutDir, Gnuplot, [InFile, InValue, HeapFile, HeapValue], LibraryArgs);
main([OutDir, Gnuplot | LibraryArgs])
  when LibraryArgs =/= [], length(LibraryArgs) rem 2 =:= 0 ->
    main(OutDir, Gnuplot, [], LibraryArgs);
main(_) ->
    io:format(standard_error, "usage: vm_bench.escript OUT_DIR GNUPLOT"
              " [--entry-probe LIBRARY VALUE LIBRARY VALUE] LIBRARY VALUE"
              " [LIBRARY VALUE ...]~n", []),
    halt(2).

main(OutDir, Gnuplot, ProbeArgs, LibraryArgs) ->
    try
        run(OutDir, Gnuplot, ProbeArgs, LibraryArgs)
    catch
        throw:{fail, Format, Args} ->
            io:format(standard_error, "vm_bench: " ++ Format ++ "~n", Args),
            halt(1)
    end.

run(OutDir, Gnuplot, ProbeArgs, LibraryArgs) ->
    filelib:is_regular(Gnuplot) orelse
        fail("gnuplot not found (~ts): apt-get install gnuplot-nox, or run"
             " cmake/install-debian-deps.sh, then configure again",
             [Gnuplot]),
    true = register(vm_bench, self()),
    print_machine(),
    Libraries = libraries(LibraryArgs),
    Started = erlang:monotonic_time(millisecond),
    Results = [bench(Library) || Library <- Libraries],
    EntryProbe = case libraries(ProbeArgs) of
                     [InLibrary, OnHeap] ->
                         [{InLibrary, OnHeap, entry_probe(InLibrary, OnHeap)}];
                     [] ->
                         []
                 end,
    Seconds = (erlang:monotonic_time(millisecond) - Started) / 1000,
    print_tables(Results),
    [print_entry_probe(InLibrary, OnHeap, Stats)
     || {InLibrary, OnHeap, Stats} <- EntryProbe],
    io:format("~nMeasured in ~.1f s.~n", [Seconds]),
    DataFile = filename:join(OutDir, "vm_load.dat"),
    ScriptFile = filename:join(OutDir, "vm_load.gp"),
    SvgFile = filename:join(OutDir, "vm_load.svg"),
    write_data(DataFile, Results),
    plot(Gnuplot, ScriptFile, DataFile, SvgFile, Results),
    io:format("data: ~ts~nplot: ~ts~n", [DataFile, SvgFile]),
    halt(0).

fail(Format, Args) ->
    throw({fail, Format, Args}).

%%
%% The libraries and their modules.
%%

%% A library's path is without ".so", as erlang:load_nif/2 takes it.
libraries([File, Value | Rest]) ->
    Path = filename:rootname(filename:absname(File), ".so"),
    Module = list_to_atom(filename:basename(Path)),
    Image = read_file(File),
    Library = #{module => Module,
                path => Path,
                image => Image,
                value => list_to_integer(Value),
                plain_beam => plain_beam(Module),
                embedded_beam => embedded_beam(Module, Path, Image),
                literal_beam => literal_beam(Module, Image)},
    [Library | libraries(Rest)];
libraries([]) ->
    [].

read_file(File) ->
    case file:read_file(File) of
        {ok, Bin} -> Bin;
        {error, Reason} -> fail("~ts: ~ts", [File, file:format_error(Reason)])
    end.

%% The module as a NIF module loaded from outside is written: load/1 calls
%% erlang:load_nif/2 (it must be called from the module itself).
plain_beam(Module) ->
    Text = io_lib:format(
             "-module(~w).~n"
             "-export([load/1, value/0]).~n"
             "-nifs([value/0]).~n"
             "load(Library) -> erlang:load_nif(Library, 0).~n"
             "value() -> erlang:nif_error(nif_library_not_loaded).~n",
             [Module]),
    compile_forms(Module, forms(Text), []).

%% The module carrying its NIF library, loaded by its on_load function.
embedded_beam(Module, Path, Image) ->
    image_beam(Module, Image, io_lib:format(
        "-module(~w).~n"
        "-export([value/0]).~n"
        "-nifs([value/0]).~n"
        "-on_load(init/0).~n"
        "init() ->~n"
        "    erlang:load_nif(#{memory => image(), filename => ~tp}, 0).~n"
        "image() -> vm_bench_image.~n"
        "value() -> erlang:nif_error(nif_library_not_loaded).~n",
        [Module, Path])).

%% The same image as the literal of a module, and nothing else.
literal_beam(Module, Image) ->
    image_beam(Module, Image, io_lib:format(
        "-module(~w).~n"
        "-export([image/0]).~n"
        "image() -> vm_bench_image.~n",
        [Module])).

%% image/0 returns the image, a literal of the .beam, put in by way of Core
%% Erlang (as abstract code, a 64 MiB binary is a list of 64 M characters).
image_beam(Module, Image, Text) ->
    Core = compile_forms(Module, forms(Text), [to_core, no_copt]),
    WithImage = cerl_trees:map(
                  fun(Tree) ->
                          case cerl:is_literal(Tree) andalso
                              cerl:concrete(Tree) =:= vm_bench_image of
                              true -> cerl:abstract(Image);
                              false -> Tree
                          end
                  end, Core),
    compile_forms(Module, WithImage, [from_core]).

compile_forms(Module, Forms, Options) ->
    case compile:forms(Forms, [binary, return_errors | Options]) of
        {ok, Module, Output} -> Output;
        Error -> fail("compiling ~w: ~p", [Module, Error])
    end.

forms(Text) ->
    {ok, Tokens, _} = erl_scan:string(lists:flatten(Text)),
    [begin
         {ok, Form} = erl_parse:parse_form(FormTokens),
         Form
     end || FormTokens <- split_forms(Tokens, [])].

split_forms([{dot, _} = Dot | Tokens], Form) ->
    [lists:reverse([Dot | Form]) | split_forms(Tokens, [])];
split_forms([Token | Tokens], Form) ->
    split_forms(Tokens, [Token | Form]);
split_forms([], []) ->
    [].

%%
%% Measuring.
%%

rounds(#{image := Image}) when byte_size(Image) =< 2 bsl 20 ->
    ?ROUNDS_SMALL;
rounds(#{image := Image}) when byte_size(Image) =< 32 bsl 20 ->
    ?ROUNDS_MEDIUM;
rounds(_) ->
    ?ROUNDS_LARGE.

%% Every way, for one library.
bench(#{module := Module, image := Image} = Library) ->
    Rounds = rounds(Library),
    io:format("~w (~b bytes): ~b rounds~n",
              [Module, byte_size(Image), Rounds]),
    {Library, take_turns(?WAYS, fun(Way) -> sample(Way, Library) end, Rounds)}.

%% The library built with its entry in the library, and the one with its
%% entry on the heap, from the file and from memory.
entry_probe(InLibrary, OnHeap) ->
    Ways = [{Place, Source} || Place <- [in_library, on_heap],
                               Source <- [file, memory]],
    Sample = fun({in_library, Source}) -> sample(Source, InLibrary);
                ({on_heap, Source}) -> sample(Source, OnHeap)
             end,
    io:format("~w and ~w, entry probe: ~b rounds~n",
              [maps:get(module, InLibrary), maps:get(module, OnHeap),
               ?ROUNDS_ENTRY_PROBE]),
    take_turns(Ways, Sample, ?ROUNDS_ENTRY_PROBE).

%% One round not counted, then the rounds; each round takes every way once,
%% starting one way further each time. The statistics of each way.
take_turns(Ways, Sample, Rounds) ->
    _ = one_round(Ways, Sample, 0),
    Samples = lists:foldl(fun(Round, Acc) ->
                                  add_samples(one_round(Ways, Sample, Round),
                                              Acc)
                          end, #{}, lists:seq(1, Rounds)),
    maps:map(fun(_Way, Us) -> stats(Us) end, Samples).

one_round(Ways, Sample, Round) ->
    {Before, After} = lists:split(Round rem length(Ways), Ways),
    [{Way, Sample(Way)} || Way <- After ++ Before].

add_samples(Round, Samples) ->
    lists:foldl(fun({Way, Us}, Acc) ->
                        maps:update_with(Way, fun(L) -> [Us | L] end, [Us], Acc)
                end, Samples, Round).

%% One sample of a way: the time in microseconds of what the way times. The
%% module is not loaded before, nor after.
sample(file, #{path := Path} = Library) ->
    load_beam(Library),
    timed_load(Library, Path);
sample(memory, #{path := Path, image := Image} = Library) ->
    load_beam(Library),
    timed_load(Library, #{memory => Image, filename => Path});
sample(tmp, Library) ->
    workaround("/tmp", Library);
sample(shm, Library) ->
    workaround("/dev/shm", Library);
sample(cycle_file, #{path := Path} = Library) ->
    cycle(Library, Path);
sample(cycle_memory, #{path := Path, image := Image} = Library) ->
    cycle(Library, #{memory => Image, filename => Path});
sample(beam_file, #{module := Module, path := Path,
                    plain_beam := Beam} = Library) ->
    Us = time(fun() ->
                      loaded(Library, code:load_binary(Module, Path, Beam)),
                      nif_loaded(Library, Path, Module:load(Path))
              end),
    unload(Library, check(Library, Us));
sample(beam_memory, #{module := Module, path := Path,
                      embedded_beam := Beam} = Library) ->
    Us = time(fun() ->
                      loaded(Library, code:load_binary(Module, Path, Beam))
              end),
    unload(Library, check(Library, Us));
sample(beam_literal, #{module := Module, path := Path, image := Image,
                       literal_beam := Beam} = Library) ->
    Us = time(fun() ->
                      loaded(Library, code:load_binary(Module, Path, Beam))
              end),
    %% Checked in a process of its own, so that the literal is in no heap
    %% of this process when the module is purged.
    {Pid, Ref} = spawn_monitor(fun() ->
                                       exit({image, Module:image() =:= Image})
                               end),
    receive
        {'DOWN', Ref, process, Pid, {image, true}} -> ok;
        {'DOWN', Ref, process, Pid, Other} ->
            fail("~w:image() is not the image: ~P", [Module, Other, 10])
    end,
    purge(Library),
    Us.

timed_load(#{module := Module} = Library, Source) ->
    Us = time(fun() -> nif_loaded(Library, Source, Module:load(Source)) end),
    unload(Library, check(Library, Us)).

%% Write the image to a new file in Dir, load it, delete the file.
workaround(Dir, #{module := Module, image := Image} = Library) ->
    load_beam(Library),
    Name = lists:concat([Module, "-", os:getpid(), "-",
                         erlang:unique_integer([positive])]),
    Path = filename:join(Dir, Name),
    File = Path ++ ".so",
    Us = time(fun() ->
                      {ok, Fd} = file:open(File, [write, raw, binary,
                                                  exclusive]),
                      ok = file:write(Fd, Image),
                      ok = file:close(Fd),
                      Result = Module:load(Path),
                      ok = file:delete(File, [raw]),
                      nif_loaded(Library, Path, Result)
              end),
    unload(Library, check(Library, Us)).

%% Purge an instance loaded from Source, and load the next from Source.
cycle(#{module := Module} = Library, Source) ->
    load_beam(Library),
    nif_loaded(Library, Source, Module:load(Source)),
    check(Library, 0),
    Us = time(fun() ->
                      purge(Library),
                      %% The next load_nif waits for erts to finish closing
                      %% the library (it holds the code modification
                      %% permission from before the unload callback to after
                      %% dlclose): that is in the time too.
                      await_unload_callback(Library),
                      load_beam(Library),
                      nif_loaded(Library, Source, Module:load(Source))
              end),
    unload(Library, check(Library, Us)).

time(Fun) ->
    Start = erlang:monotonic_time(),
    Fun(),
    erlang:convert_time_unit(erlang:monotonic_time() - Start, native,
                             nanosecond) / 1000.

load_beam(#{module := Module, path := Path, plain_beam := Beam} = Library) ->
    loaded(Library, code:load_binary(Module, Path, Beam)).

loaded(#{module := Module}, {module, Module}) ->
    ok;
loaded(#{module := Module}, Other) ->
    fail("loading module ~w: ~p", [Module, Other]).

nif_loaded(_Library, _Source, ok) ->
    ok;
nif_loaded(#{module := Module}, Source, Other) ->
    fail("~w: erlang:load_nif(~ts, 0): ~p", [Module, describe(Source), Other]).

describe(#{memory := Image, filename := Path}) ->
    io_lib:format("#{memory => <<~b bytes>>, filename => ~tp}",
                  [byte_size(Image), Path]);
describe(Path) ->
    io_lib:format("~tp", [Path]).

%% The NIF answers what its library was built to answer.
check(#{module := Module, value := Value}, Us) ->
    try Module:value() of
        Value -> Us;
        Other -> fail("~w:value() answered ~p, not ~p", [Module, Other, Value])
    catch
        Class:Reason ->
            fail("~w:value() failed: ~p:~p", [Module, Class, Reason])
    end.

%% The module purged, its library unloaded and unmapped.
unload(Library, Us) ->
    purge(Library),
    await_unload_callback(Library),
    await_unmapped(Library, 2000),
    Us.

purge(#{module := Module}) ->
    true = code:delete(Module),
    _ = code:purge(Module),
    ok.

await_unload_callback(#{module := Module}) ->
    receive
        {vm_bench_unloaded, Module} -> ok
    after 10000 ->
        fail("~w: its library's unload callback was not called within 10 s"
             " of the purge", [Module])
    end.

%% Every file the library was loaded from (the .so, a memory file labelled
%% with its base name, a temporary file) has the module's name in it.
await_unmapped(#{module := Module}, 0) ->
    fail("~w: its library is still mapped 2 s after the purge", [Module]);
await_unmapped(#{module := Module} = Library, Tries) ->
    {ok, Maps} = file:read_file("/proc/self/maps"),
    case binary:match(Maps, atom_to_binary(Module)) of
        nomatch ->
            ok;
        _ ->
            timer:sleep(1),
            await_unmapped(Library, Tries - 1)
    end.

%% Median, 10th and 90th percentiles (nearest rank), in microseconds.
stats(Samples) ->
    Sorted = list_to_tuple(lists:sort(Samples)),
    N = tuple_size(Sorted),
    Rank = fun(P) -> element(max(1, min(N, round(P * N))), Sorted) end,
    Median = case N rem 2 of
                 1 -> element(N div 2 + 1, Sorted);
                 0 -> (element(N div 2, Sorted) +
                           element(N div 2 + 1, Sorted)) / 2
             end,
    #{median => Median, p10 => Rank(0.1), p90 => Rank(0.9), n => N}.

%%
%% Output.
%%

print_machine() ->
    Release = erlang:system_info(otp_release),
    VersionFile = filename:join([code:root_dir(), "releases", Release,
                                 "OTP_VERSION"]),
    io:format("Erlang/OTP ~ts (~ts), ~w schedulers, ~w logical processors;"
              " Linux ~ts; /tmp on ~ts, /dev/shm on ~ts;"
              " shmem_enabled: ~ts~n",
              [string:trim(read_file(VersionFile)),
               erlang:system_info(emu_flavor),
               erlang:system_info(schedulers_online),
               erlang:system_info(logical_processors_available),
               string:trim(os:cmd("uname -r")), fs_type("/tmp"),
               fs_type("/dev/shm"),
               read_trimmed("/sys/kernel/mm/transparent_hugepage/"
                            "shmem_enabled")]).

%% The type of the file system mounted last on the longest prefix of Dir.
fs_type(Dir) ->
    Mounts = [string:lexemes(Line, " ")
              || Line <- string:lexemes(binary_to_list(
                                          read_file("/proc/self/mounts")),
                                        "\n")],
    Under = [{length(Point), Type} || [_, Point, Type | _] <- Mounts,
                                      Point =:= "/" orelse Point =:= Dir
                                          orelse lists:prefix(Point ++ "/",
                                                              Dir)],
    case lists:foldl(fun({Length, _} = Mount, {Best, _})
                           when Length >= Best -> Mount;
                        (_, Best) -> Best
                     end, {0, "unknown"}, Under) of
        {_, Type} -> Type
    end.

read_trimmed(File) ->
    case file:read_file(File) of
        {ok, Text} -> string:trim(Text);
        {error, _} -> "unknown"
    end.

way_label(file) -> "`load_nif(Path)`, file in page cache";
way_label(memory) -> "`load_nif(#{memory => Image})`";
way_label(tmp) -> "write to /tmp, `load_nif`, delete";
way_label(shm) -> "write to /dev/shm, `load_nif`, delete";
way_label(cycle_file) -> "purge + load, file";
way_label(cycle_memory) -> "purge + load, memory";
way_label(beam_file) -> "`load_binary` of the .beam + `load_nif(Path)`";
way_label(beam_memory) -> "`load_binary` of the .beam with the image";
way_label(beam_literal) -> "`load_binary` of a .beam with only the image".

%% What the plot calls them (no Markdown).
plot_label(Way) ->
    [C || C <- way_label(Way), C =/= $`].

print_tables(Results) ->
    Header = ["" | [size_label(Library) || {Library, _} <- Results]],
    io:format("~nMedian (p10-p90) of each way, in one run:~n~n"),
    print_row(Header),
    print_row(["---" || _ <- Header]),
    [print_row([way_label(Way) |
                [format_stats(maps:get(Way, Stats)) || {_, Stats} <- Results]])
     || Way <- ?WAYS],
    io:format("~nRatios of the medians:~n~n"),
    print_row(Header),
    print_row(["---" || _ <- Header]),
    [print_row([Label |
                [format_ratio(maps:get(A, Stats), maps:get(B, Stats))
                 || {_, Stats} <- Results]])
     || {Label, A, B} <- [{"memory / file", memory, file},
                          {"memory / /tmp workaround", memory, tmp},
                          {"memory / /dev/shm workaround", memory, shm},
                          {"purge + load: memory / file",
                           cycle_memory, cycle_file},
                          {".beam with the image / .beam + file",
                           beam_memory, beam_file}]],
    Counts = [io_lib:format("~b (~ts)", [maps:get(n, maps:get(file, Stats)),
                                         size_label(Library)])
              || {Library, Stats} <- Results],
    io:format("~nSamples per way: ~ts.~n", [lists:join(", ", Counts)]).

print_entry_probe(#{module := InModule} = InLibrary,
                  #{module := HeapModule}, Stats) ->
    io:format("~nAn entry that erts reads through its readability probes"
              " (~w: entry, strings and function table on the heap)"
              " against the same library returning its ERL_NIF_INIT entry"
              " (~w), ~ts, taking turns:~n~n",
              [HeapModule, InModule, size_label(InLibrary)]),
    print_row(["", "file", "memory"]),
    print_row(["---", "---", "---"]),
    [print_row([Label | [format_stats(maps:get({Place, Source}, Stats))
                         || Source <- [file, memory]]])
     || {Label, Place} <- [{"entry in the library", in_library},
                           {"entry on the heap", on_heap}]],
    print_row(["on the heap / in the library" |
               [format_ratio(maps:get({on_heap, Source}, Stats),
                             maps:get({in_library, Source}, Stats))
                || Source <- [file, memory]]]),
    io:format("~nSamples per way: ~b.~n",
              [maps:get(n, maps:get({in_library, file}, Stats))]).

print_row(Cells) ->
    io:format("| ~ts |~n", [lists:join(" | ", Cells)]).

size_label(#{image := Image}) ->
    case byte_size(Image) of
        Bytes when Bytes >= 1 bsl 20 ->
            io_lib:format("~ts MiB", [size_number(Bytes / (1 bsl 20))]);
        Bytes ->
            io_lib:format("~ts KiB", [size_number(Bytes / 1024)])
    end.

size_number(X) when X >= 100 -> integer_to_list(round(X));
size_number(X) -> float_to_list(X, [{decimals, 1}]).

%% "280 us (227-353)": the median, p10 and p90 in the median's unit.
format_stats(#{median := Median, p10 := P10, p90 := P90}) ->
    {Divisor, Unit} = if
                          Median >= 1000 -> {1000, "ms"};
                          true -> {1, "us"}
                      end,
    io_lib:format("~ts ~ts (~ts-~ts)",
                  [digits(Median / Divisor), Unit, digits(P10 / Divisor),
                   digits(P90 / Divisor)]).

digits(X) when X >= 10 -> integer_to_list(round(X));
digits(X) -> float_to_list(X, [{decimals, 1}]).

format_ratio(#{median := A}, #{median := B}) ->
    float_to_list(A / B, [{decimals, 2}]).

%% A line a library: its size, then each way's median, p10 and p90.
write_data(File, Results) ->
    Columns = [[" ", atom_to_list(Way), Suffix]
               || Way <- ?WAYS, Suffix <- ["_median", "_p10", "_p90"]],
    Rows = [[integer_to_list(byte_size(Image)) |
             [io_lib:format(" ~.3f", [float(maps:get(Key, WayStats))])
              || Way <- ?WAYS, WayStats <- [maps:get(Way, Stats)],
                 Key <- [median, p10, p90]]]
            || {#{image := Image}, Stats} <- Results],
    write_file(File, ["# size_bytes", Columns, "\n",
                      lists:join("\n", Rows), "\n"]).

write_file(File, IoData) ->
    case file:write_file(File, unicode:characters_to_binary(IoData)) of
        ok -> ok;
        {error, Reason} -> fail("~ts: ~ts", [File, file:format_error(Reason)])
    end.

%% Load time against image size, both logarithmic: one line a way, the
%% median, with bars from p10 to p90.
plot(Gnuplot, ScriptFile, DataFile, SvgFile, Results) ->
    XTics = [io_lib:format("\"~ts\" ~b",
                           [size_label(Library), byte_size(Image)])
             || {#{image := Image} = Library, _} <- Results],
    Plots = [io_lib:format("'~ts' using 1:~b:~b:~b with yerrorlines"
                           " title \"~ts\"",
                           [DataFile, 2 + 3 * I, 3 + 3 * I, 4 + 3 * I,
                            plot_label(Way)])
             || {I, Way} <- lists:enumerate(0, ?WAYS)],
    %% From just under the power of ten below the fastest sample plotted,
    %% so that the axis has a labelled tic under every line (on the bound
    %% itself, gnuplot may leave the tic out).
    Fastest = lists:min([P10 || {_, Stats} <- Results,
                                #{p10 := P10} <- maps:values(Stats)]),
    YMin = 0.999 * math:pow(10, math:floor(math:log10(Fastest))),
    %% Nine colours that differ (gnuplot's own repeat after eight).
    Colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
               "#8c564b", "#e377c2", "#7f7f7f", "#17becf"],
    LineTypes = [io_lib:format("set linetype ~b linecolor rgb '~ts'"
                               " linewidth 1.5 pointtype ~b~n",
                               [I, Colour, I])
                 || {I, Colour} <- lists:enumerate(Colours)],
    write_file(ScriptFile,
               ["set terminal svg size 1200,800 dynamic noenhanced"
                " font 'sans,13'\n",
                "set output '", SvgFile, "'\n",
                LineTypes,
                "set title 'erlang:load_nif/2 in the VM, by image size:"
                " median, bars from p10 to p90'\n",
                "set logscale xy\n",
                "set yrange [", float_to_list(YMin, [{decimals, 4}, compact]),
                ":*]\n",
                "set ylabel 'time'\n",
                "set ytics ('10 us' 10, '100 us' 100, '1 ms' 1000,"
                " '10 ms' 10000, '100 ms' 100000, '1 s' 1000000)\n",
                "set mytics 10\n",
                "set xtics (", lists:join(", ", XTics), ")\n",
                "set grid\n",
                "set key below vertical maxrows 5 box\n",
                "set offsets graph 0.05, graph 0.05, 0, 0\n",
                "plot ", lists:join(", \\\n     ", Plots), "\n"]),
    Port = open_port({spawn_executable, Gnuplot},
                     [{args, [ScriptFile]}, exit_status, stderr_to_stdout,
                      binary]),
    case collect(Port, []) of
        {0, Output} ->
            io:put_chars(Output);
        {Status, Output} ->
            fail("~ts ~ts exited with status ~b:~n~ts",
                 [Gnuplot, ScriptFile, Status, Output])
    end.

collect(Port, Acc) ->
    receive
        {Port, {data, Data}} -> collect(Port, [Acc, Data]);
        {Port, {exit_status, Status}} -> {Status, iolist_to_binary(Acc)}
    end.
