#!/usr/bin/env escript
%% SPDX-License-Identifier: Apache-2.0
%%
%% doc_examples_test.escript FILE...
%%
%% The Erlang examples of the docs, checked as the compiler would: every
%% ```erlang block of each FILE (Markdown, or an .erl file's -doc texts;
%% <code type="erl"> in OTP's XML docs)
%% that loads a NIF library (it mentions load_nif, priv_nif or memory =>)
%% must parse, and one that holds function definitions must compile with
%% no error: a call to a function it does not define or import (the
%% nif_image_path() of an earlier erlang:load_nif/2 example) fails the
%% test. A block of declarations without -module is compiled as the body
%% of a module. A block of expressions only must parse. Prints each block
%% and what was checked.
-mode(compile).

main([]) ->
    io:format(standard_error, "usage: doc_examples_test.escript FILE...~n", []),
    halt(2);
main(Files) ->
    Results = lists:append([check_file(F) || F <- Files]),
    Failed = [R || {error, _} = R <- Results],
    io:format("doc_examples: ~w examples in ~w files, ~w failed~n",
              [length(Results), length(Files), length(Failed)]),
    halt(case {Results, Failed} of
             {[], _} -> 1;          % nothing found is a failure too
             {_, []} -> 0;
             _ -> 1
         end).

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
%% entities undone.
xml_blocks([], _, Acc) ->
    lists:reverse(Acc);
xml_blocks([L | Ls], N, Acc) ->
    case string:find(L, "<code type=\"erl\">") of
        nomatch ->
            xml_blocks(Ls, N + 1, Acc);
        Start ->
            First = lists:nthtail(length("<code type=\"erl\">"), Start),
            {Block, Rest} = lists:splitwith(fun(X) -> string:find(X, "</code>") =:= nomatch end,
                                            [First | Ls]),
            {Last, After} = case Rest of
                                [] -> {"", []};
                                [R | Rs] -> {hd(string:split(R, "</code>")), Rs}
                            end,
            Code = lists:flatten(lists:join("\n", Block ++ [Last])),
            xml_blocks(After, N + length(Block) + 1, [{N, unescape(Code)} | Acc])
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
                _ -> report(Where, "compiles", compile_forms(Forms))
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

%% Compiled as a module (named doc_example if the block names none), with
%% its functions exported so that none is unused; errors only count.
compile_forms(Forms0) ->
    Forms1 = case [M || {attribute, _, module, M} <- Forms0] of
                 [] -> [{attribute, 1, module, doc_example} | Forms0];
                 _ -> Forms0
             end,
    Exports = [{N, A} || {function, _, N, A, _} <- Forms1],
    [Module | Rest] = reorder(Forms1),
    Forms = [Module, {attribute, 1, export, Exports} | Rest],
    case compile:forms(Forms, [return_errors, binary]) of
        {ok, _, _} -> ok;
        {ok, _, _, _} -> ok;
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
