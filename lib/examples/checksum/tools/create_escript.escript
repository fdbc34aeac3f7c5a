#!/usr/bin/env escript
%% SPDX-License-Identifier: Apache-2.0
%%
%% create_escript.escript ESCRIPT APP_DIR
%%
%% Writes ESCRIPT, an escript whose archive holds the application in APP_DIR
%% (APP_DIR/ebin/* and APP_DIR/priv/*, as App/ebin/* and App/priv/*, App being
%% APP_DIR's base name) and whose main module is App. The archive layout is
%% the one rebar3 escriptize makes, so code:priv_dir(App) points into it.
-mode(compile).

main([Escript, AppDir]) ->
    App = filename:basename(AppDir),
    Files = [{filename:join([App, Sub, Name]), read(filename:join([AppDir, Sub, Name]))}
             || Sub <- ["ebin", "priv"],
                Name <- lists:sort(list_dir(filename:join(AppDir, Sub)))],
    Sections = [shebang,
                {comment, "Built by create_escript.escript"},
                {emu_args, "-escript main " ++ App},
                {archive, Files, []}],
    ok = escript:create(Escript, Sections),
    ok = file:change_mode(Escript, 8#755),
    io:format("created ~ts: ~b files in its archive~n", [Escript, length(Files)]);
main(_) ->
    io:format(standard_error, "usage: create_escript.escript ESCRIPT APP_DIR~n", []),
    halt(2).

list_dir(Dir) ->
    case file:list_dir(Dir) of
        {ok, Names} -> Names;
        {error, enoent} -> []
    end.

read(File) ->
    {ok, Bin} = file:read_file(File),
    Bin.
