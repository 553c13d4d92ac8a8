"""
miniredis on the web: the Prometheus endpoint (L{miniredis.web.metrics}) and
the dashboard (L{miniredis.web.dashboard}), twisted.web resources that read
the server in process; C{twistd miniredis --metrics ENDPOINT --dashboard
ENDPOINT} serves them.
"""
