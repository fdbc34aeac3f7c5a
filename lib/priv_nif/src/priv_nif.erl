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
%%   if that load fails and TMPDIR is on a file system mounted noexec,
%%   where the dynamic linker cannot map it, the error says so. (This last
%%   way is for Unix: a library loaded on Windows cannot be removed.)
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
        Library -> Load(Library)
    catch
        error:{Why, Text} when Why =:= nif_not_in_archive;
                               Why =:= bad_name ->
            {error, {load_failed, Text}};
        error:Reason ->
            {error, {load_failed,
                     lists:flatten(io_lib:format("code:priv_nif(~p, ~p) failed: ~p",
                                                 [App, Name, Reason]))}}
    end.

load_from_files(App, Name0, Load) ->
    Name = case filename:extension(Name0) of
               ".so" -> filename:rootname(Name0, ".so");
               _ -> Name0
           end,
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
             ++ " is not in the code path: pass priv_nif:load/3 the name of"
                " the application that has the library in its priv"
                " directory (the App of App/ebin or App-Vsn/ebin in the code"
                " path)"}}.

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
    case make_private_dir(TmpDir, 5) of
        {ok, Dir} ->
            %% Name may have directories: the file is the last part.
            Path = filename:join(Dir, filename:basename(Name)),
            try write_private(Path ++ ".so", Image) of
                ok ->
                    explain_noexec(Load(Path), TmpDir, Cannot);
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
                     Cannot ++ "creating a directory in " ++ TmpDir
                     ++ " failed: " ++ file:format_error(Reason)}}
    end.

%% A load that failed where TMPDIR is mounted noexec failed for that
%% (the dynamic linker cannot map the file): say so, and what to do.
explain_noexec({error, {load_failed, Text}} = Error, TmpDir, Cannot) ->
    case noexec_mount(TmpDir) of
        {true, Mount} ->
            {error, {load_failed,
                     Cannot ++ "TMPDIR (" ++ TmpDir ++ ") is on " ++ Mount
                     ++ ", mounted noexec: set TMPDIR to a directory where"
                     " files may be executed (" ++ Text ++ ")"}};
        false ->
            Error
    end;
explain_noexec(Result, _TmpDir, _Cannot) ->
    Result.

tmp_dir() ->
    case os:getenv("TMPDIR") of
        Dir when is_list(Dir), Dir =/= "" -> normalize(filename:absname(Dir));
        _ -> "/tmp"
    end.

%% Without "." and "..", so that the mount it is on can be found.
normalize(Path) ->
    filename:join(lists:reverse(
                    lists:foldl(fun(".", Acc) -> Acc;
                                   ("..", [_Root] = Acc) -> Acc;
                                   ("..", [_ | Acc]) -> Acc;
                                   (Part, Acc) -> [Part | Acc]
                                end, [], filename:split(Path)))).

%% A new directory only this user can enter, with a name others cannot
%% guess; created anew if the name is taken.
make_private_dir(_TmpDir, 0) ->
    {error, eexist};
make_private_dir(TmpDir, Tries) ->
    Dir = filename:join(TmpDir, "priv_nif-" ++ os:getpid() ++ "-"
                        ++ integer_to_list(rand:uniform(1 bsl 64), 36)),
    case file:make_dir(Dir) of
        ok ->
            case file:change_mode(Dir, 8#700) of
                ok -> {ok, Dir};
                Error -> _ = file:del_dir(Dir), Error
            end;
        {error, eexist} ->
            make_private_dir(TmpDir, Tries - 1);
        Error ->
            Error
    end.

write_private(File, Image) ->
    case file:open(File, [write, raw, binary, exclusive]) of
        {ok, Fd} ->
            Written = case file:change_mode(File, 8#700) of
                          ok -> file:write(Fd, Image);
                          Error -> Error
                      end,
            Closed = file:close(Fd),
            case Written of
                ok -> Closed;
                _ -> Written
            end;
        Error ->
            Error
    end.

%% Whether Dir is on a file system mounted noexec (Linux: /proc/mounts,
%% where of the mounts on one path the last is the visible one; elsewhere
%% not known). Compared as the bytes of the names.
noexec_mount(Dir) ->
    case file:read_file("/proc/mounts") of
        {ok, Mounts} ->
            Parts = filename:split(native_name(Dir)),
            Visible =
                lists:foldl(
                  fun(Line, Best) ->
                          case binary:split(Line, <<" ">>, [global]) of
                              [_, Target0, _, Options | _] ->
                                  Target = unescape_mount(Target0),
                                  TParts = filename:split(Target),
                                  case lists:prefix(TParts, Parts) andalso
                                      length(TParts) >= element(1, Best) of
                                      true -> {length(TParts), Target, Options};
                                      false -> Best
                                  end;
                              _ ->
                                  Best
                          end
                  end, {0, <<"/">>, <<>>},
                  binary:split(Mounts, <<"\n">>, [global])),
            {_, Target, Options} = Visible,
            case lists:member(<<"noexec">>, binary:split(Options, <<",">>, [global])) of
                true -> {true, unicode:characters_to_list(Target, file:native_name_encoding())};
                false -> false
            end;
        {error, _} ->
            false
    end.

native_name(Dir) ->
    unicode:characters_to_binary(Dir, unicode, file:native_name_encoding()).

%% /proc/mounts writes a space, tab, newline or backslash as \ooo.
unescape_mount(<<$\\, A, B, C, Rest/binary>>) when A >= $0, A =< $7 ->
    <<((A - $0) * 64 + (B - $0) * 8 + (C - $0)), (unescape_mount(Rest))/binary>>;
unescape_mount(<<C, Rest/binary>>) ->
    <<C, (unescape_mount(Rest))/binary>>;
unescape_mount(<<>>) ->
    <<>>.

%% The on_load report may be lost on this Erlang/OTP: say it here too.
tell(ok) ->
    ok;
tell({error, {_, Text}} = Error) when is_list(Text) ->
    io:format(standard_error, "priv_nif: ~ts~n", [Text]),
    Error;
tell(Error) ->
    Error.
