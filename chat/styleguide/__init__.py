"""``/styleguide/``: every partial of the app, in each of its states, on one page.

``samples`` builds the made-up world the states are drawn from, ``states`` is the table of
states, and ``views`` draws the table for the one page.
"""
