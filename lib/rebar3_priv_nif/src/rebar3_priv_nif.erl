%% SPDX-License-Identifier: Apache-2.0
%%
%% rebar3 plugin for escripts that carry NIF libraries.
%%
%% rebar3 escriptize packs files of a priv directory only when the option
%% escript_incl_priv names them, with their extension; an entry that
%% matches nothing (a name without ".so", a misspelt pattern) is silently
%% ignored, and the escript fails at run time. With this plugin:
%%
%% - the shared libraries of the project's applications and of the
%%   dependencies named in rebar.config ({App, "**/*.so"}: in priv and in
%%   its subdirectories, such as priv/lib) are packed by default, in
%%   addition to what escript_incl_priv names;
%% - before the escript is built, every escript_incl_priv entry that
%%   matches no file is reported as a warning, with a hint when the name
%%   lacks the extension.
%%
%% In rebar.config: {plugins, [rebar3_priv_nif]} (from hex, or from a
%% path: put this application in _checkouts/rebar3_priv_nif).
%%
%% Limits: the defaults cover the applications of a single-application
%% project and the dependencies rebar.config names, not dependencies of
%% dependencies; in an umbrella project, whose applications are not known
%% yet when rebar3 starts the plugin, neither the defaults nor the check
%% apply (name the libraries in escript_incl_priv there).
-module(rebar3_priv_nif).
-behaviour(provider).

-export([init/1, do/1, format_error/1]).

-define(PROVIDER, priv_nif_check).
-define(DEFAULT_PATTERN, "**/*.so").

-spec init(rebar_state:t()) -> {ok, rebar_state:t()}.
init(State0) ->
    Provider = providers:create([{name, ?PROVIDER},
                                 {module, ?MODULE},
                                 {bare, true},
                                 {deps, []},
                                 {example, "rebar3 priv_nif_check"},
                                 {opts, []},
                                 {short_desc, "Check escript_incl_priv"},
                                 {desc, "Warn about escript_incl_priv entries "
                                        "that match no file."}]),
    State1 = rebar_state:add_provider(State0, Provider),
    Config = rebar_state:get(State1, escript_incl_priv, []),
    %% What the user wrote, kept for the check (init/1 may run twice).
    User = rebar_state:get(State1, priv_nif_user_incl_priv, Config),
    Defaults = [{App, ?DEFAULT_PATTERN}
                || App <- app_names(State1),
                   not lists:member({App, ?DEFAULT_PATTERN}, Config)],
    State2 = rebar_state:set(rebar_state:set(State1, priv_nif_user_incl_priv, User),
                             escript_incl_priv, Config ++ Defaults),
    %% escriptize runs the provider hooks of its main application, from the
    %% application's options: add the check there.
    Apps = [add_check_hook(App) || App <- rebar_state:project_apps(State2)],
    {ok, rebar_state:project_apps(State2, Apps)}.

%% The project's applications and the dependencies rebar.config names:
%% rebar3 fails on an escript_incl_priv entry for an application it does
%% not know.
app_names(State) ->
    Project = [binary_to_atom(rebar_app_info:name(A), utf8)
               || A <- rebar_state:project_apps(State)],
    Deps = [dep_name(Dep) || Dep <- rebar_state:get(State, deps, [])],
    lists:usort(Project ++ Deps).

dep_name(Dep) when is_tuple(Dep) -> dep_name(element(1, Dep));
dep_name(Dep) when is_binary(Dep) -> binary_to_atom(Dep, utf8);
dep_name(Dep) when is_atom(Dep) -> Dep.

add_check_hook(AppInfo) ->
    Hooks = rebar_app_info:get(AppInfo, provider_hooks, []),
    Pre = proplists:get_value(pre, Hooks, []),
    case lists:member({escriptize, ?PROVIDER}, Pre) of
        true ->
            AppInfo;
        false ->
            Hooks1 = [{pre, Pre ++ [{escriptize, ?PROVIDER}]}
                      | proplists:delete(pre, Hooks)],
            rebar_app_info:set(AppInfo, provider_hooks, Hooks1)
    end.

-spec do(rebar_state:t()) -> {ok, rebar_state:t()}.
do(State) ->
    AllApps = rebar_state:all_deps(State) ++ rebar_state:project_apps(State),
    [check_entry(Entry, AllApps)
     || Entry <- rebar_state:get(State, priv_nif_user_incl_priv, [])],
    {ok, State}.

check_entry({App, Pattern} = Entry, AllApps) when is_atom(App) ->
    case rebar_app_utils:find(atom_to_binary(App, utf8), AllApps) of
        {ok, AppInfo} ->
            Priv = filename:join(rebar_app_info:out_dir(AppInfo), "priv"),
            case filelib:wildcard(Pattern, Priv) of
                [] ->
                    rebar_api:warn("escript_incl_priv: ~p matches no file in ~ts~ts",
                                   [Entry, Priv, hint(Pattern, Priv)]);
                _ ->
                    ok
            end;
        error ->
            rebar_api:warn("escript_incl_priv: ~p names no application of the"
                           " project or its dependencies", [Entry])
    end;
check_entry(Entry, _AllApps) ->
    rebar_api:warn("escript_incl_priv: ~p is not {App, Wildcard}", [Entry]).

%% A NIF library is named without extension in code:priv_nif/2 and
%% erlang:load_nif/2, but escript_incl_priv needs it.
hint(Pattern, Priv) ->
    case filename:extension(Pattern) of
        "" ->
            case filelib:wildcard(Pattern ++ ".*", Priv) of
                [File | _] ->
                    io_lib:format(" (did you mean ~p? escript_incl_priv names"
                                  " files with their extension)", [File]);
                [] ->
                    ""
            end;
        _ ->
            ""
    end.

-spec format_error(any()) -> iolist().
format_error(Reason) ->
    io_lib:format("~p", [Reason]).
