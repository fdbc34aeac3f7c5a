%% SPDX-License-Identifier: Apache-2.0
%%
%% Parse transform that embeds a file, a NIF library's (or a driver's) image,
%% into the module being compiled, so that the .beam carries it:
%%
%%     -compile({parse_transform, memnif_embed}).
%%     -embed_nif_image("path/to/lib.so").
%%
%% defines the local function embedded_nif_image/0 returning the file's
%% contents as a literal binary (kept in the .beam's literal table, shared,
%% never copied). A relative path is relative to the source file's directory,
%% as for -include.
-module(memnif_embed).

-export([parse_transform/2, format_error/1]).

-define(FUNCTION, embedded_nif_image).

parse_transform(Forms, _Options) ->
    SourceFile = source_file(Forms),
    case [{Anno, Path} || {attribute, Anno, embed_nif_image, Path} <- Forms] of
        [] ->
            Forms;
        [{Anno, Path}] when is_list(Path) ->
            File = filename:absname(Path, filename:dirname(SourceFile)),
            case file:read_file(File) of
                {ok, Image} ->
                    insert_before_eof(Forms, image_function(Anno, Image));
                {error, Reason} ->
                    {error, [{SourceFile, [{Anno, ?MODULE, {read, File, Reason}}]}], []}
            end;
        [{Anno, Path} | _] when is_list(Path) ->
            {error, [{SourceFile, [{Anno, ?MODULE, more_than_one}]}], []};
        [{Anno, Path} | _] ->
            {error, [{SourceFile, [{Anno, ?MODULE, {not_a_path, Path}}]}], []}
    end.

format_error({read, File, Reason}) ->
    io_lib:format("cannot read the NIF library image ~ts: ~ts",
                  [File, file:format_error(Reason)]);
format_error(more_than_one) ->
    "more than one -embed_nif_image attribute";
format_error({not_a_path, Term}) ->
    io_lib:format("-embed_nif_image(~tp): not a file name", [Term]).

source_file([{attribute, _, file, {File, _}} | _]) -> File;
source_file(_) -> "".

%% embedded_nif_image() -> <<...the image...>>.
image_function(Anno, Image) ->
    Literal = {bin, Anno, [{bin_element, Anno, {string, Anno, binary_to_list(Image)},
                            default, default}]},
    {function, Anno, ?FUNCTION, 0, [{clause, Anno, [], [], [Literal]}]}.

insert_before_eof([{eof, _} = Eof], Function) -> [Function, Eof];
insert_before_eof([Form | Forms], Function) -> [Form | insert_before_eof(Forms, Function)];
insert_before_eof([], Function) -> [Function].
