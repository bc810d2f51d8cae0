"""On-site selection (CO-03): public random draws (YZ-02), named lists (SX-02), everyone (TJ-01, GH-02).

Meetings, comments and attendance will join this package; today it holds the
selection of who reports on site, recorded as a :class:`~shuzhi.meetings.models.Draw`.
"""
