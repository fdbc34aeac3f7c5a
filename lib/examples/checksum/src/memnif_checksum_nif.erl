%% SPDX-License-Identifier: Apache-2.0
%%
%% The NIF module of memnif_checksum: CRC-32 in C++.
%%
%% Its NIF library, memnif_checksum_nif.so, is found with code:priv_nif/2,
%% so the same module works unchanged when the application is a directory
%% (a release, ERL_LIBS, -pa): the library is loaded from its file; and when
%% it is inside an escript: the library is loaded from memory, read from the
%% escript's archive, never written to a file.
%%
%% Compiled with -DEMBED_NIF_IMAGE='"/path/to/memnif_checksum_nif.so"' and
%% the memnif_embed parse transform, the library's image is put into the
%% .beam itself: that .beam alone can be loaded anywhere with
%% code:load_binary/3, for example on another node.
-module(memnif_checksum_nif).

%% Erlang/OTP 27 enables maybe_expr by default and records that in the .beam;
%% an Erlang/OTP 25 then refuses the module. Off, the module loads there too.
-feature(maybe_expr, disable).

-export([crc32/1, crc32/2, loaded_from/0]).

-nifs([crc32/2]).
-on_load(load_nif/0).

-define(APP, memnif_checksum).
-define(LIB, "memnif_checksum_nif").
-define(LOADED_FROM_KEY, {?MODULE, loaded_from}).
%% Why on_load failed, for whoever tried to load the module (the module
%% itself is then not loaded, so it cannot be asked).
-define(LOAD_ERROR_KEY, {?MODULE, load_error}).

-ifdef(EMBED_NIF_IMAGE).
-compile({parse_transform, memnif_embed}).
%% Defines embedded_nif_image/0, returning the file's contents.
-embed_nif_image(?EMBED_NIF_IMAGE).
-endif.

%% The CRC-32 (IEEE 802.3, as zlib's crc32()) of Data.
-spec crc32(Data :: iodata()) -> non_neg_integer().
crc32(Data) ->
    crc32(0, Data).

%% The CRC-32 of the data Crc is the CRC-32 of, followed by Data.
-spec crc32(Crc :: non_neg_integer(), Data :: iodata()) -> non_neg_integer().
crc32(_Crc, _Data) ->
    erlang:nif_error(nif_library_not_loaded).

%% Where the NIF library was loaded from: {file, Path} or {memory, Label, Bytes}.
-spec loaded_from() -> {file, file:filename()}
                     | {memory, file:filename(), non_neg_integer()}.
loaded_from() ->
    persistent_term:get(?LOADED_FROM_KEY).

load_nif() ->
    Result = case nif_library() of
                 {ok, Library} ->
                     case load_nif(Library) of
                         ok ->
                             persistent_term:put(?LOADED_FROM_KEY, describe(Library)),
                             ok;
                         {error, _} = Error ->
                             Error
                     end;
                 {error, _} = Error ->
                     Error
             end,
    case Result of
        ok -> _ = persistent_term:erase(?LOAD_ERROR_KEY);
        {error, Reason} -> persistent_term:put(?LOAD_ERROR_KEY, Reason)
    end,
    Result.

load_nif(Library) ->
    try
        erlang:load_nif(Library, 0)
    catch
        %% An Erlang/OTP whose load_nif/2 takes only a path.
        error:badarg when is_map(Library) ->
            {error, {load_failed, "this Erlang/OTP cannot load NIF libraries"
                                  " from memory (erlang:load_nif/2 takes no map)"}}
    end.

-ifdef(EMBED_NIF_IMAGE).
nif_library() ->
    {ok, #{memory => embedded_nif_image(), filename => ?LIB}}.
-else.
nif_library() ->
    try code:priv_nif(?APP, ?LIB) of
        Library ->
            {ok, Library}
    catch
        %% The application is not in the code path, or the escript's archive
        %% lacks the library; Text says so, and what to do.
        error:{Why, Text} when Why =:= bad_name;
                               Why =:= nif_not_in_archive ->
            {error, {load_failed, Text}};
        %% An Erlang/OTP without code:priv_nif/2 loads only from files: that
        %% still works when the priv directory is a directory.
        error:undef ->
            case code:priv_dir(?APP) of
                {error, bad_name} ->
                    {error, {load_failed, "application " ++ atom_to_list(?APP) ++
                                          " is not in the code path"}};
                PrivDir ->
                    {ok, filename:join(PrivDir, ?LIB)}
            end
    end.
-endif.

describe(#{memory := Image} = Library) ->
    {memory, maps:get(filename, Library, atom_to_list(?MODULE)), byte_size(Image)};
describe(Path) ->
    {file, Path}.
