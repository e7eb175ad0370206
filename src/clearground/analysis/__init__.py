"""Pure analysis functions: data frames in, data frames or plain values out. No I/O."""
