# SPDX-License-Identifier: Apache-2.0
#
# An application that depends on a NIF library, built as one escript that
# carries the library's priv directory.
defmodule Crc32Cli.MixProject do
  use Mix.Project

  def project do
    [
      app: :crc32_cli,
      version: "1.0.0",
      elixir: "~> 1.14",
      deps: [{:crc32_nif, path: "../crc32_nif"}],
      escript: [main_module: Crc32Cli, include_priv_for: [:crc32_nif]]
    ]
  end

  def application, do: []
end
