"""A caller's call, from its arrival to its end.

The arrival (`incoming`), the menus' choices (`routing`), the call service
(`service`: the call's stages through the queue to the end) and the queues'
waiting lists (`queues`).
"""
