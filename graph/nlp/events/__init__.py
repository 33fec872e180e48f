"""Financial event frames (acquisitions, share pledges, buybacks, executive changes…).

:mod:`.frames` is the component and the frame data; :mod:`.roles` fills an event's roles.
"""
