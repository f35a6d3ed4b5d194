"""Model providers behind one small interface, chosen by `TETHER_CHAT_PROVIDER`."""
