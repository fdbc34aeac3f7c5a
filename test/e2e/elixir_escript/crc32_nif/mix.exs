# SPDX-License-Identifier: Apache-2.0
#
# A NIF library written as Elixir NIF libraries are: its module loads the
# library by a path under :code.priv_dir/1. Its C source is compiled by the
# compiler task below (no elixir_make, no Makefile) into the application's
# priv directory under _build, as elixir_make does: a priv/ made in the
# source tree after mix has laid out _build would not be seen.
defmodule Mix.Tasks.Compile.Crc32Nif do
  use Mix.Task.Compiler

  @impl true
  def run(_args) do
    include = Path.join([:code.root_dir(), "usr", "include"])
    priv = Path.join(Mix.Project.app_path(), "priv")
    File.mkdir_p!(priv)

    args =
      ~w(-shared -fPIC -O2 -Wall -I) ++
        [include, "-o", Path.join(priv, "crc32_nif.so"), "c_src/crc32_nif.c"]

    case System.cmd("cc", args, stderr_to_stdout: true) do
      {_, 0} ->
        {:ok, []}

      {output, status} ->
        Mix.shell().error("cc exited with #{status}:\n#{output}")
        {:error, []}
    end
  end
end

defmodule Crc32Nif.MixProject do
  use Mix.Project

  def project do
    [
      app: :crc32_nif,
      version: "1.0.0",
      elixir: "~> 1.14",
      compilers: [:crc32_nif] ++ Mix.compilers()
    ]
  end

  def application, do: []
end
