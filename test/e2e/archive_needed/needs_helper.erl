%% SPDX-License-Identifier: Apache-2.0
%%
%% A NIF module whose library needs a private shared library, as
%% precompiled NIF libraries ship them: priv/needs_helper_nif.so needs
%% libhelper.so, found through its RUNPATH $ORIGIN/lib, which needs
%% libinner.so beside it (RUNPATH $ORIGIN). Its library is loaded by the
%% path code:priv_dir/1 gives, as NIF libraries are written today.
-module(needs_helper).
-export([main/1, value/0]).
-nifs([value/0]).
-on_load(init/0).

init() ->
    erlang:load_nif(filename:join(code:priv_dir(myapp), "needs_helper_nif"), 0).

value() ->
    erlang:nif_error(not_loaded).

main(_) ->
    io:format("value ~p~n", [value()]),
    Needed = case code:priv_nif(myapp, "needs_helper_nif") of
                 #{needed := Images} -> [F || #{filename := F} <- Images];
                 _ -> []
             end,
    [io:format("priv_nif needed ~ts~n", [F]) || F <- Needed],
    ok.
