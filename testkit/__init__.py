"""What the suite, the demos and the reader share to run code under test.

``virtual_time`` (an asyncio loop whose clock jumps to the next timer),
``http_server`` (a real HTTP server on 127.0.0.1) and ``offload_work``
(functions that other threads and processes can import).
"""
