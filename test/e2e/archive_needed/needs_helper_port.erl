%% SPDX-License-Identifier: Apache-2.0
%%
%% A driver that needs a private shared library: priv/needs_helper_drv.so
%% needs libhelper.so (RUNPATH $ORIGIN/lib), which needs libinner.so. It is
%% loaded with erl_ddll:load/2 from the directory code:priv_dir/1 gives,
%% then reloaded from there while a port holds it: the reload waits for the
%% port and loads what it copied, the needed images with the driver.
-module(needs_helper_port).
-export([main/1]).

-define(DRIVER, "needs_helper_drv").

main(_) ->
    Priv = code:priv_dir(myapp),
    case erl_ddll:load(Priv, ?DRIVER) of
        ok ->
            ok;
        {error, Error} ->
            io:format("load failed: ~p: ~ts~n",
                      [element(1, Error), erl_ddll:format_error(Error)]),
            halt(1)
    end,
    Main = self(),
    Owner = spawn_link(fun() -> port_owner(Main) end),
    receive {value, Value} -> io:format("value ~s~n", [Value]) end,
    %% The port closes once the reload below waits for it
    spawn_link(fun() -> wait_for_pending_reload(Main), Owner ! close end),
    io:format("reload ~p~n", [erl_ddll:reload(Priv, ?DRIVER)]),
    Port = open_port({spawn_driver, ?DRIVER}, []),
    io:format("value after reload ~s~n", [erlang:port_control(Port, 0, [])]),
    true = erlang:port_close(Port),
    ok = erl_ddll:unload(?DRIVER).

port_owner(Main) ->
    Port = open_port({spawn_driver, ?DRIVER}, []),
    Main ! {value, erlang:port_control(Port, 0, [])},
    receive close -> true = erlang:port_close(Port) end.

wait_for_pending_reload(Main) ->
    case lists:keymember(Main, 1, erl_ddll:info(?DRIVER, awaiting_load)) of
        true -> ok;
        false -> receive after 10 -> wait_for_pending_reload(Main) end
    end.
