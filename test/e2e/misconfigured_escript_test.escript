#!/usr/bin/env escript
%% SPDX-License-Identifier: Apache-2.0
%%
%% misconfigured_escript_test.escript LIBRARY
%%
%% The mistakes a new user makes when packing a NIF library into an
%% escript, each run as the user runs it: the escript alone in an empty
%% directory, with a clean environment. LIBRARY is a NIF library of
%% module seed_c_nif (test/fuzz/seed_nifs/seed_c_nif.c). Its module is
%% written the way the docs say:
%%
%%     -on_load(init/0).
%%     init() -> erlang:load_nif(code:priv_nif(App, Name), 0).
%%
%% A correct escript answers; each misconfigured one must exit with
%% status 127 and print the report of the failed on_load function, with
%% the text that names its cause. Before the report was written from the
%% process running on_load and escript flushed the logger at halt, they
%% printed only "undefined function seed_c_nif:greeting/1" in most runs,
%% so each is run several times.
-mode(compile).

-define(RUNS, 5).

main([Library]) ->
    {ok, Image} = file:read_file(Library),
    Work = string:trim(os:cmd("mktemp -d")),
    try
        Cases = cases(),
        Failures = lists:append([run_case(Work, Image, Case) || Case <- Cases]),
        case Failures of
            [] ->
                io:format("misconfigured_escript: ~w cases, ~w runs each: all"
                          " printed what they should~n", [length(Cases), ?RUNS]);
            _ ->
                [io:format(standard_error, "FAIL ~ts~n", [F]) || F <- Failures],
                halt(1)
        end
    after
        os:cmd("rm -rf '" ++ Work ++ "'")
    end;
main(_) ->
    io:format(standard_error, "usage: misconfigured_escript_test.escript LIBRARY~n", []),
    halt(2).

%% {Name, App in priv_nif/2 (Erlang text), Name in priv_nif/2, what the
%% archive holds under myapp/priv, expected exit status, texts the output
%% must hold}
cases() ->
    Report = "The on_load function for module seed_c_nif returned:",
    Hej = "\"hej\"",
    [{correct, "myapp", "seed_c_nif", ["seed_c_nif.so"], 0, [Hej]},
     %% code:priv_nif/2 takes the name without extension, and removes one
     {name_with_extension, "myapp", "seed_c_nif.so", ["seed_c_nif.so"], 0, [Hej]},
     %% as code:priv_dir/1 does, it takes the application as a string
     {application_as_string, "\"myapp\"", "seed_c_nif", ["seed_c_nif.so"], 0, [Hej]},
     %% rebar3 without escript_incl_priv
     {library_not_packed, "myapp", "seed_c_nif", [], 127,
      [Report, "{nif_not_in_archive,",
       "myapp/priv/seed_c_nif.so is not in the archive of ",
       "which has under myapp/priv: nothing.",
       "add {escript_incl_priv, [{myapp, \\\"*.so\\\"}]}"]},
     %% escript_incl_priv naming other files only
     {other_files_packed, "myapp", "seed_c_nif", ["README", "data.bin"], 127,
      [Report, "which has under myapp/priv: README, data.bin."]},
     {misspelt_application, "my_app", "seed_c_nif", ["seed_c_nif.so"], 127,
      [Report, "{bad_name,", "no application my_app is in the code path, so "
       "no priv directory holds seed_c_nif.so. Pass code:priv_nif/2 the name "
       "of the application that has the library in its priv directory (the "
       "App of App/ebin or App-Vsn/ebin in the code path)"]}].

run_case(Work, Image, {Name, App, LibName, PrivFiles, Status, Texts}) ->
    Dir = filename:join(Work, atom_to_list(Name)),
    ok = file:make_dir(Dir),
    Escript = filename:join(Dir, "prog"),
    Beam = nif_module(App, LibName),
    Lib = [{"myapp/priv/" ++ File, Image} || File <- PrivFiles],
    ok = escript:create(Escript, [shebang,
                                  {emu_args, "-escript main seed_c_nif"},
                                  {archive, [{"myapp/ebin/seed_c_nif.beam", Beam} | Lib],
                                   []}]),
    ok = file:change_mode(Escript, 8#755),
    Path = filename:dirname(os:find_executable("escript")),
    Cmd = "cd '" ++ Dir ++ "' && env -i PATH='" ++ Path ++ ":/usr/bin:/bin' ./prog 2>&1;"
          " echo \"exit status $?\"",
    lists:append([check_run(Name, I, os:cmd(Cmd), Status, Texts)
                  || I <- lists:seq(1, ?RUNS)]).

check_run(Name, I, Output, Status, Texts) ->
    StatusLine = "exit status " ++ integer_to_list(Status),
    Missing = [T || T <- [StatusLine | Texts], string:find(Output, T) =:= nomatch],
    case Missing of
        [] when I =:= 1 ->
            io:format("--- ~w (as printed in run 1 of ~w):~n~ts", [Name, ?RUNS, Output]),
            [];
        [] ->
            [];
        _ ->
            [io_lib:format("~w, run ~w: missing ~p in:~n~ts", [Name, I, Missing, Output])]
    end.

nif_module(App, LibName) ->
    Forms = forms(["-module(seed_c_nif).",
                   "-export([main/1, greeting/1, length/1]).",
                   "-nifs([greeting/1, length/1]).",
                   "-on_load(init/0).",
                   "init() -> erlang:load_nif(code:priv_nif(" ++ App ++ ", \""
                   ++ LibName ++ "\"), 0).",
                   "greeting(_) -> erlang:nif_error(not_loaded).",
                   "length(_) -> erlang:nif_error(not_loaded).",
                   "main(_) -> io:format(\"~p~n\", [greeting(1)])."]),
    {ok, seed_c_nif, Beam} = compile:forms(Forms, [report]),
    Beam.

forms(Lines) ->
    [begin
         {ok, Tokens, _} = erl_scan:string(Line),
         {ok, Form} = erl_parse:parse_form(Tokens),
         Form
     end || Line <- Lines].
