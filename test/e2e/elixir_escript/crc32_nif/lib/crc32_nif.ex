# SPDX-License-Identifier: Apache-2.0
defmodule Crc32Nif do
  @moduledoc "CRC-32 (as zlib computes it) of a binary, in C."
  @on_load :load_nif

  def load_nif do
    :erlang.load_nif(:filename.join(:code.priv_dir(:crc32_nif), ~c"crc32_nif"), 0)
  end

  def crc32(_data), do: :erlang.nif_error(:not_loaded)
end
