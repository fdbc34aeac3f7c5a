# SPDX-License-Identifier: Apache-2.0
defmodule Crc32Cli do
  @moduledoc "Prints `crc32 <hex> <size> <path>` for each file named."

  def main(paths) do
    for path <- paths do
      data = File.read!(path)
      crc = Crc32Nif.crc32(data)
      :io.format(~c"crc32 ~8.16.0b ~b ~ts~n", [crc, byte_size(data), path])
    end
  end
end
