"""A TCP proxy in front of the test PostgreSQL, to play the clinic network in tests:

- ``cut()``: every connection is reset and new ones are refused (a cable pulled, a switch off);
- ``freeze()``: connections stay open but nothing goes through, either way (a silent link: a
  firewall dropping packets, a Wi-Fi bridge hung), which only a client-side deadline survives;
- ``resume()``: back to normal.
"""

from __future__ import annotations

import selectors
import socket
import threading


class Proxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = int(self.listener.getsockname()[1])
        self.state = "open"
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, url: str) -> str:
        """``url`` (a postgresql:// URL of the target) through this proxy."""
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
        return (f"postgresql://{info['user']}:{info['password']}@127.0.0.1:{self.port}/{info['dbname']}")

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.state == "cut":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while not self.closed:
                if self.state == "frozen":
                    threading.Event().wait(0.05)  # hold the bytes: nothing read, nothing sent
                    continue
                for key, _ in sel.select(timeout=0.05):
                    if self.state != "open":
                        break
                    src = key.fileobj
                    assert isinstance(src, socket.socket)
                    data = src.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self) -> None:
        self.state = "cut"
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def freeze(self) -> None:
        self.state = "frozen"

    def resume(self) -> None:
        self.state = "open"

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()
