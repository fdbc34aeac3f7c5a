#!/usr/bin/env escript
%% SPDX-License-Identifier: Apache-2.0
%%
%% doc_examples_test.escript HELPER_SOURCE FILE...
%%
%% The Erlang examples of the docs, checked as the compiler would and run
%% as written: every ```erlang block of each FILE (Markdown, or an .erl
%% file's -doc texts; <code type="erl"> and <code type="none"> in OTP's XML
%% docs) that loads a NIF
%% library (it mentions load_nif, priv_nif or memory =>) must parse. One
%% that holds function definitions must compile with no error: a call to a
%% function it does not define or import (the nif_image_path() of an
%% earlier erlang:load_nif/2 example) fails the test. A block of
%% declarations without -module is compiled as the body of a module named
%% after its library. A block of expressions only must parse (its
%% variables are the reader's to bind).
%%
%% Then the compiled module runs, in a new runtime system of the Erlang/OTP
%% that runs this script: a NIF library is built for it (C, with the
%% module's -nifs, each NIF returning {Module, Name}) and put where the
%% block looks for it: the current directory for a path, the priv
%% directory of the application for code:priv_nif/2, code:priv_dir/1 paths
%% and priv_nif:load/3
%% (HELPER_SOURCE, lib/priv_nif's module), which run twice, from
%% directories and from an escript's archive. The module is loaded (its
%% on_load function loads the library; a block without -on_load has its
%% 0-arity functions called, each to return ok) and each NIF of its -nifs
%% is called (a block without -nifs is checked by the load alone).
%% Prints each block and what was checked.
-mode(compile).

main([Helper | Files]) when Files =/= [] ->
    {ok, priv_nif, HelperBeam} = compile:file(Helper, [binary]),
    put(helper_beam, HelperBeam),
    Results = lists:append([check_file(F) || F <- Files]),
    Failed = [R || {error, _} = R <- Results],
    io:format("doc_examples: ~w examples in ~w files, ~w failed~n",
              [length(Results), length(Files), length(Failed)]),
    halt(case {Results, Failed} of
             {[], _} -> 1;          % nothing found is a failure too
             {_, []} -> 0;
             _ -> 1
         end);
main(_) ->
    io:format(standard_error,
              "usage: doc_examples_test.escript HELPER_SOURCE FILE...~n", []),
    halt(2).

check_file(File) ->
    {ok, Bin} = file:read_file(File),
    Text = unicode:characters_to_list(Bin),
    Lines = string:split(Text, "\n", all),
    Blocks = case filename:extension(File) of
                 ".xml" -> xml_blocks(Lines, 1, []);
                 _ -> erlang_blocks(Lines, 1, [])
             end,
    [check_block(File, Line, Block)
     || {Line, Block} <- Blocks, is_nif_example(Block)].

%% <code type="erl"> ... </code> blocks of OTP's XML docs (OTP 25), the
%% entities undone; and <code type="none">, which erl_nif.xml uses for
%% Erlang too.
xml_blocks([], _, Acc) ->
    lists:reverse(Acc);
xml_blocks([L | Ls], N, Acc) ->
    case code_start(L) of
        nomatch ->
            xml_blocks(Ls, N + 1, Acc);
        First ->
            {Block, Rest} = lists:splitwith(fun(X) -> string:find(X, "</code>") =:= nomatch end,
                                            [First | Ls]),
            {Last, After} = case Rest of
                                [] -> {"", []};
                                [R | Rs] -> {hd(string:split(R, "</code>")), Rs}
                            end,
            Code = lists:flatten(lists:join("\n", Block ++ [Last])),
            xml_blocks(After, N + length(Block) + 1, [{N, unescape(Code)} | Acc])
    end.

code_start(Line) ->
    Tags = ["<code type=\"erl\">", "<code type=\"none\">"],
    case [lists:nthtail(length(Tag), Start)
          || Tag <- Tags, Start <- [string:find(Line, Tag)], Start =/= nomatch] of
        [First | _] -> First;
        [] -> nomatch
    end.

unescape("&lt;" ++ T) -> [$< | unescape(T)];
unescape("&gt;" ++ T) -> [$> | unescape(T)];
unescape("&amp;" ++ T) -> [$& | unescape(T)];
unescape("&quot;" ++ T) -> [$" | unescape(T)];
unescape([C | T]) -> [C | unescape(T)];
unescape([]) -> [].

%% ```erlang ... ``` blocks, with the line they start on.
erlang_blocks([], _, Acc) ->
    lists:reverse(Acc);
erlang_blocks([L | Ls], N, Acc) ->
    case string:trim(L) of
        "```erlang" ->
            {Block, Rest} = lists:splitwith(fun(X) -> string:trim(X) =/= "```" end, Ls),
            Indent = length(L) - length(string:trim(L, leading)),
            Lines = [unindent(B, Indent) || B <- Block],
            erlang_blocks(tl_or_empty(Rest), N + length(Block) + 2,
                          [{N, lists:flatten(lists:join("\n", Lines))} | Acc]);
        _ ->
            erlang_blocks(Ls, N + 1, Acc)
    end.

tl_or_empty([]) -> [];
tl_or_empty([_ | T]) -> T.

unindent(Line, N) ->
    {Spaces, Rest} = lists:splitwith(fun(C) -> C =:= $\s end, Line),
    lists:duplicate(max(0, length(Spaces) - N), $\s) ++ Rest.

is_nif_example(Block) ->
    lists:any(fun(S) -> string:find(Block, S) =/= nomatch end,
              ["load_nif", "priv_nif", "memory =>"]).

check_block(File, Line, Block) ->
    Where = io_lib:format("~ts:~w", [File, Line]),
    io:format("--- ~ts:~n~ts~n", [Where, Block]),
    case forms(Block) of
        {ok, Forms} ->
            case [F || {function, _, _, _, _} = F <- Forms] of
                [] -> report(Where, "declarations parse", ok);
                _ -> compile_and_run(Where, Block, Forms)
            end;
        not_forms ->
            report(Where, "expressions parse", expressions(Block))
    end.

report(Where, What, ok) ->
    io:format("ok: ~ts~n", [What]),
    {ok, Where};
report(Where, What, {error, Why}) ->
    io:format("FAIL: ~ts: ~ts~n", [What, Why]),
    {error, Where}.

%% The block as forms, if it is forms: each parses as a form.
forms(Block) ->
    case erl_scan:string(Block, 1, [text]) of
        {ok, Tokens, _} ->
            Chunks = split_forms(Tokens, [], []),
            Parsed = [erl_parse:parse_form(C) || C <- Chunks],
            case Chunks =/= [] andalso lists:all(fun(P) -> element(1, P) =:= ok end, Parsed) of
                true -> {ok, [F || {ok, F} <- Parsed]};
                false -> not_forms
            end;
        {error, _, _} ->
            not_forms
    end.

split_forms([], [], Acc) ->
    lists:reverse(Acc);
split_forms([], Cur, Acc) ->
    lists:reverse([lists:reverse(Cur) | Acc]);
split_forms([{dot, _} = Dot | Ts], Cur, Acc) ->
    split_forms(Ts, [], [lists:reverse([Dot | Cur]) | Acc]);
split_forms([T | Ts], Cur, Acc) ->
    split_forms(Ts, [T | Cur], Acc).

compile_and_run(Where, Block, Forms) ->
    case library(Block) of
        none ->
            report(Where, "names the library it loads",
                   {error, "no code:priv_nif(App, \"Name\"), "
                           "priv_nif:load(App, \"Name\", _), "
                           "load_nif(\"Path\", _) or read_file(\"Path\")"});
        Library ->
            Default = list_to_atom(library_name(Library)),
            case compile_forms(Forms, Default) of
                {ok, Module, Beam} ->
                    report(Where, "compiles", ok),
                    run(Where, Library, Module, Beam, Forms);
                Error ->
                    report(Where, "compiles", Error)
            end
    end.

%% Compiled as a module (named Default if the block names none), with
%% its functions exported so that none is unused; errors only count.
compile_forms(Forms0, Default) ->
    Forms1 = case [M || {attribute, _, module, M} <- Forms0] of
                 [] -> [{attribute, 1, module, Default} | Forms0];
                 _ -> Forms0
             end,
    Exports = [{N, A} || {function, _, N, A, _} <- Forms1],
    [Module | Rest] = reorder(Forms1),
    Forms = [Module, {attribute, 1, export, Exports} | Rest],
    case compile:forms(Forms, [return_errors, binary]) of
        {ok, Mod, Beam} -> {ok, Mod, Beam};
        {ok, Mod, Beam, _} -> {ok, Mod, Beam};
        {error, Errors, _} ->
            {error, [[io_lib:format("line ~w: ~ts; ", [L, M:format_error(E)])
                      || {L, M, E} <- flat_errors(Es)] || {_, Es} <- Errors]}
    end.

flat_errors(Es) ->
    [{line(Pos), M, E} || {Pos, M, E} <- Es].

line({L, _}) -> L;
line(L) -> L.

%% The module attribute first, as the compiler wants it.
reorder(Forms) ->
    {Mod, Rest} = lists:partition(fun({attribute, _, module, _}) -> true; (_) -> false end, Forms),
    Mod ++ Rest.

expressions(Block) ->
    Text = string:trim(Block, trailing, " \n;."),
    case erl_scan:string(Text ++ ".") of
        {ok, Tokens, _} ->
            case erl_parse:parse_exprs(Tokens) of
                {ok, _} -> ok;
                {error, {L, M, E}} -> {error, io_lib:format("line ~w: ~ts", [L, M:format_error(E)])}
            end;
        {error, {L, M, E}, _} ->
            {error, io_lib:format("line ~w: ~ts", [L, M:format_error(E)])}
    end.

%% Where the block looks for its library: {priv, App, Name} (code:priv_nif/2,
%% or a path joined to code:priv_dir/1), {helper, App, Name} (priv_nif:load/3)
%% or {cwd, File} (a path).
library(Block) ->
    Patterns = [{helper, "priv_nif:load\\(\\s*([a-z][A-Za-z0-9_@]*)\\s*,\\s*\"([^\"]+)\""},
                {priv, "priv_nif\\(\\s*([a-z][A-Za-z0-9_@]*)\\s*,\\s*\"([^\"]+)\""},
                {priv, "priv_dir\\(\\s*([a-z][A-Za-z0-9_@]*)\\s*\\)\\s*,\\s*\"([^\"]+)\""},
                {cwd, "load_nif\\(\\s*\"([^\"]+)\""},
                {cwd, "read_file\\(\\s*\"([^\"]+)\""}],
    case [list_to_tuple([Kind | Captured])
          || {Kind, Re} <- Patterns,
             {match, Captured} <- [re:run(Block, Re, [{capture, all_but_first, list}])]] of
        [First | _] -> First;
        [] -> none
    end.

library_name({cwd, File}) -> filename:rootname(filename:basename(File), ".so");
library_name({_, _App, Name}) -> filename:rootname(Name, ".so").

%% Runs the module where its library is; every way must print ok.
run(Where, Library, Module, Beam, Forms) ->
    Work = work_dir(),
    try
        Nifs = lists:append([Fs || {attribute, _, nifs, Fs} <- Forms]),
        Calls = case [on_load || {attribute, _, on_load, _} <- Forms] of
                    [] -> [F || {function, _, F, 0, _} <- Forms,
                                not lists:member({F, 0}, Nifs)];
                    _ -> []
                end,
        case build_nif(Work, Module, Nifs) of
            {ok, Image} ->
                Runner = runner(Module, Calls, Nifs),
                Results = [{How, run_way(Work, How, Library, Module, Beam, Runner, Image)}
                           || How <- ways(Library)],
                What = io_lib:format("runs (~ts): loads ~w, ~w NIF(s) answer",
                                     [lists:join(", ", [atom_to_list(H) || {H, _} <- Results]),
                                      Module, length(Nifs)]),
                report(Where, What,
                       case [{H, Out} || {H, {error, Out}} <- Results] of
                           [] -> ok;
                           Bad -> {error, io_lib:format("~p", [Bad])}
                       end);
            Error ->
                report(Where, "a NIF library is built for it", Error)
        end
    after
        ok = file:del_dir_r(Work)
    end.

ways({cwd, _}) -> [cwd];
ways(_) -> [directories, escript].

work_dir() ->
    Base = filename:absname(case os:getenv("TMPDIR") of
                                false -> "/tmp";
                                T -> T
                            end),
    Dir = filename:join(Base, "doc_examples_" ++ os:getpid() ++ "_"
                        ++ integer_to_list(erlang:unique_integer([positive]))),
    ok = file:make_dir(Dir),
    Dir.

%% A C NIF library for Module whose NIFs return {Module, Name}: {ok, Image}
%% or {error, Why}.
build_nif(Work, Module, Nifs) ->
    Funs = [io_lib:format("static ERL_NIF_TERM nif_~b(ErlNifEnv *env, int argc, "
                          "const ERL_NIF_TERM argv[])\n{\n    (void)argc; (void)argv;\n"
                          "    return enif_make_tuple2(env, enif_make_atom(env, \"~s\"), "
                          "enif_make_atom(env, \"~s\"));\n}\n", [I, Module, F])
            || {I, {F, _}} <- enumerate(Nifs)],
    Table = [io_lib:format("    {\"~s\", ~b, nif_~b, 0},\n", [F, A, I])
             || {I, {F, A}} <- enumerate(Nifs)],
    Src = ["#include <erl_nif.h>\n", Funs,
           %% ERL_NIF_INIT counts the elements: no terminator (GNU C
           %% takes an empty table)
           "static ErlNifFunc nif_funcs[] = {\n", Table, "};\n",
           io_lib:format("ERL_NIF_INIT(~s, nif_funcs, NULL, NULL, NULL, NULL)\n", [Module])],
    C = filename:join(Work, "nif.c"),
    So = filename:join(Work, "nif.so"),
    ok = file:write_file(C, Src),
    Include = filename:join([code:root_dir(), "usr", "include"]),
    case os:find_executable("cc") of
        false ->
            {error, "no C compiler (cc) in PATH"};
        Cc ->
            case command(Work, Cc, ["-shared", "-fPIC", "-I", Include, "-o", So, C]) of
                {0, _} -> file:read_file(So);
                {Status, Out} -> {error, io_lib:format("cc exit status ~w: ~ts", [Status, Out])}
            end
    end.

enumerate(L) -> lists:zip(lists:seq(1, length(L)), L).

%% A module whose main/1 loads Module, calls what the block does not call
%% by itself and its NIFs, and prints what it saw.
runner(Module, Calls, Nifs) ->
    Src = io_lib:format(
            "-module(doc_example_run).~n"
            "-export([main/1]).~n"
            "main(_) ->~n"
            "    R = try~n"
            "            {module, M} = code:ensure_loaded(~w),~n"
            "            [ok = M:F() || F <- ~w],~n"
            "            [{M, F} = apply(M, F, lists:duplicate(A, 0)) || {F, A} <- ~w],~n"
            "            ok~n"
            "        catch C:E:S -> {C, E, S}~n"
            "        end,~n"
            "    io:format(\"doc_example_run: ~~p~~n\", [R]).~n",
            [Module, Calls, Nifs]),
    {ok, Tokens, _} = erl_scan:string(lists:flatten(Src)),
    Forms = [F || Ts <- split_forms(Tokens, [], []), {ok, F} <- [erl_parse:parse_form(Ts)]],
    {ok, doc_example_run, Beam} = compile:forms(Forms, [binary]),
    Beam.

%% Lays the files out for one way and runs the runner there.
run_way(Work, How, Library, Module, Beam, Runner, Image) ->
    Dir = filename:join(Work, atom_to_list(How)),
    ok = file:make_dir(Dir),
    Files = layout(How, Library, Module, Beam, Runner, Image),
    Erl = filename:join([code:root_dir(), "bin", "erl"]),
    {Status, Out} =
        case How of
            escript ->
                Escript = filename:join(Work, "prog"),
                ok = escript:create(Escript, [shebang,
                                              {emu_args, "-escript main doc_example_run"},
                                              {archive, Files, []}]),
                command(Dir, filename:join([code:root_dir(), "bin", "escript"]), [Escript]);
            _ ->
                [ok = filelib:ensure_dir(filename:join(Dir, F)) || {F, _} <- Files],
                [ok = file:write_file(filename:join(Dir, F), B) || {F, B} <- Files],
                Paths = lists:usort([filename:dirname(F) || {F, _} <- Files,
                                                            filename:extension(F) =:= ".beam"]),
                command(Dir, Erl, ["-noshell"] ++ lists:append([["-pa", P] || P <- Paths])
                        ++ ["-eval", "doc_example_run:main([]), halt()."])
        end,
    io:format("~w: exit status ~w: ~ts", [How, Status, Out]),
    case Status =:= 0 andalso string:find(Out, "doc_example_run: ok\n") =/= nomatch of
        true -> ok;
        false -> {error, Out}
    end.

layout(cwd, {cwd, File}, Module, Beam, Runner, Image) ->
    [{atom_to_list(Module) ++ ".beam", Beam}, {"doc_example_run.beam", Runner},
     {filename:rootname(File, ".so") ++ ".so", Image}];
layout(How, {Kind, App, Name}, Module, Beam, Runner, Image) ->
    A = case How of escript -> App; _ -> filename:join("lib", App) end,
    [{filename:join([A, "ebin", atom_to_list(Module) ++ ".beam"]), Beam},
     {filename:join([A, "ebin", "doc_example_run.beam"]), Runner},
     {filename:join([A, "priv", filename:rootname(Name, ".so") ++ ".so"]), Image}]
        ++ case Kind of
               helper ->
                   Helper = get(helper_beam),
                   P = case How of escript -> "priv_nif"; _ -> "lib/priv_nif" end,
                   [{filename:join([P, "ebin", "priv_nif.beam"]), Helper}];
               priv ->
                   []
           end.

%% Runs Program with Args in Dir; returns its exit status and output.
command(Dir, Program, Args) ->
    Port = open_port({spawn_executable, Program},
                     [{args, Args}, {cd, Dir}, exit_status, stderr_to_stdout, binary]),
    collect(Port, []).

collect(Port, Acc) ->
    receive
        {Port, {data, D}} -> collect(Port, [Acc, D]);
        {Port, {exit_status, S}} -> {S, unicode:characters_to_list(iolist_to_binary(Acc))}
    end.
