%% SPDX-License-Identifier: Apache-2.0
%%
%% priv_nif: load a NIF library from the priv directory of an application,
%% on any Erlang/OTP, whether the application is a directory (a release,
%% ERL_LIBS, -pa) or inside an escript's archive.
%%
%% A NIF module calls it from its on_load function, with a fun that calls
%% erlang:load_nif/2 (which must be called from the NIF module's own code):
%%
%%     -on_load(init/0).
%%     init() ->
%%         priv_nif:load(my_app, "my_nif",
%%                       fun(Library) -> erlang:load_nif(Library, 0) end).
%%
%% - On an Erlang/OTP with code:priv_nif/2 (this project's patches), the
%%   library is what code:priv_nif/2 returns: its file, or its image read
%%   from the escript's archive and loaded from memory.
%% - On one without, a library in a priv directory that is a directory is
%%   loaded from its file. One inside an escript's archive is written to a
%%   private temporary file (in a new directory, mode 0700, under TMPDIR or
%%   /tmp), loaded, and removed right after the load, whatever its result;
%%   if TMPDIR is on a file system mounted noexec, where the dynamic linker
%%   cannot map it, it says so instead of trying.
%%
%% A failure returns {error, {load_failed, Text}} (or what erlang:load_nif/2
%% returned), which the on_load function returns. On an Erlang/OTP without
%% code:priv_nif/2, the report of a failed on_load function can be lost when
%% an escript halts right after, so there the text is also written to
%% standard_error, as one line.
-module(priv_nif).

-export([load/3]).

-include_lib("kernel/include/file.hrl").

-type load_fun() :: fun((file:filename() | map()) -> ok | {error, {atom(), string()}}).

-spec load(App, Name, Load) -> ok | {error, {atom(), string()}} when
      App :: atom(),
      Name :: string(),
      Load :: load_fun().
load(App, Name, Load) when is_atom(App), is_list(Name), is_function(Load, 1) ->
    case erlang:function_exported(code, priv_nif, 2) of
        true -> load_with_priv_nif(App, Name, Load);
        false -> tell(load_from_files(App, Name, Load))
    end.

load_with_priv_nif(App, Name, Load) ->
    try code:priv_nif(App, Name) of
        {error, bad_name} -> not_in_code_path(App);
        Library -> Load(Library)
    catch
        error:{nif_not_in_archive, Text} -> {error, {load_failed, Text}}
    end.

load_from_files(App, Name, Load) ->
    case code:priv_dir(App) of
        {error, bad_name} ->
            not_in_code_path(App);
        PrivDir ->
            Path = filename:join(PrivDir, Name),
            File = Path ++ ".so",
            case file:read_file_info(File) of
                {ok, #file_info{type = regular}} ->
                    Load(Path);
                _ ->
                    case read_archived(File) of
                        {ok, Image} ->
                            load_extracted(Name, Image, Load);
                        error ->
                            case filelib:is_dir(PrivDir) of
                                true ->
                                    %% erlang:load_nif/2 says it is not there
                                    Load(Path);
                                false ->
                                    not_packed(App, File)
                            end
                    end
            end
    end.

not_packed(App, File) ->
    {error, {load_failed,
             File ++ " is not in the escript's archive: pack it (with"
             " rebar3, {escript_incl_priv, [{" ++ atom_to_list(App)
             ++ ", \"*.so\"}]} in rebar.config, or the plugin"
             " rebar3_priv_nif)"}}.

not_in_code_path(App) ->
    {error, {load_failed, "application " ++ atom_to_list(App)
             ++ " is not in the code path"}}.

%% Through erl_prim_loader, which reads escripts' archives: read_file/1
%% from OTP 26 on, get_file/1 before.
read_archived(File) ->
    Loader = erl_prim_loader,
    case erlang:function_exported(Loader, read_file, 1) of
        true ->
            case Loader:read_file(File) of
                {ok, Image} -> {ok, Image};
                error -> error
            end;
        false ->
            case Loader:get_file(File) of
                {ok, Image, _} -> {ok, Image};
                error -> error
            end
    end.

%% This Erlang/OTP loads NIF libraries from files only: write the image to
%% a private file, load it, remove it.
load_extracted(Name, Image, Load) ->
    TmpDir = tmp_dir(),
    Cannot = "cannot load NIF library " ++ Name ++ ": it is inside the"
        " escript's archive, this Erlang/OTP loads NIF libraries from files"
        " only, and ",
    case noexec_mount(TmpDir) of
        {true, Mount} ->
            {error, {load_failed,
                     Cannot ++ "TMPDIR (" ++ TmpDir ++ ") is on " ++ Mount
                     ++ ", mounted noexec: set TMPDIR to a directory where"
                     " files may be executed"}};
        false ->
            Dir = filename:join(TmpDir, "priv_nif-" ++ os:getpid() ++ "-"
                                ++ integer_to_list(erlang:unique_integer([positive]))),
            case make_private_dir(Dir) of
                ok ->
                    Path = filename:join(Dir, Name),
                    try write_private(Path ++ ".so", Image) of
                        ok -> Load(Path);
                        {error, Reason} ->
                            {error, {load_failed,
                                     Cannot ++ "writing it to " ++ Path ++ ".so"
                                     " failed: " ++ file:format_error(Reason)}}
                    after
                        _ = file:delete(Path ++ ".so"),
                        _ = file:del_dir(Dir)
                    end;
                {error, Reason} ->
                    {error, {load_failed,
                             Cannot ++ "creating " ++ Dir ++ " failed: "
                             ++ file:format_error(Reason)}}
            end
    end.

tmp_dir() ->
    case os:getenv("TMPDIR") of
        Dir when is_list(Dir), Dir =/= "" -> filename:absname(Dir);
        _ -> "/tmp"
    end.

make_private_dir(Dir) ->
    case file:make_dir(Dir) of
        ok ->
            case file:change_mode(Dir, 8#700) of
                ok -> ok;
                Error -> _ = file:del_dir(Dir), Error
            end;
        Error ->
            Error
    end.

write_private(File, Image) ->
    case file:open(File, [write, raw, binary, exclusive]) of
        {ok, Fd} ->
            try
                ok = file:change_mode(File, 8#700),
                file:write(Fd, Image)
            after
                file:close(Fd)
            end;
        Error ->
            Error
    end.

%% Whether Dir is on a file system mounted noexec (Linux: /proc/mounts;
%% elsewhere not known, and the load says what goes wrong).
noexec_mount(Dir) ->
    case file:read_file("/proc/mounts") of
        {ok, Mounts} ->
            Parts = filename:split(Dir),
            Candidates =
                [{length(filename:split(Target)), Target, Options}
                 || Line <- string:split(binary_to_list(Mounts), "\n", all),
                    [_, Target0, _, Options | _] <- [string:lexemes(Line, " ")],
                    Target <- [unescape_mount(Target0)],
                    lists:prefix(filename:split(Target), Parts)],
            case lists:last([{0, "/", ""} | lists:sort(Candidates)]) of
                {_, Target, Options} ->
                    case lists:member("noexec", string:lexemes(Options, ",")) of
                        true -> {true, Target};
                        false -> false
                    end
            end;
        {error, _} ->
            false
    end.

%% /proc/mounts writes a space, tab, newline or backslash as \ooo.
unescape_mount([$\\, A, B, C | Rest]) when A >= $0, A =< $7 ->
    [(A - $0) * 64 + (B - $0) * 8 + (C - $0) | unescape_mount(Rest)];
unescape_mount([C | Rest]) ->
    [C | unescape_mount(Rest)];
unescape_mount([]) ->
    [].

%% The on_load report may be lost on this Erlang/OTP: say it here too.
tell(ok) ->
    ok;
tell({error, {_, Text}} = Error) when is_list(Text) ->
    io:format(standard_error, "priv_nif: ~ts~n", [Text]),
    Error;
tell(Error) ->
    Error.
