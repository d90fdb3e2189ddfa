"""A filter of our own, to show an operator can add one to a pipeline."""


class StampFilter:

    def __init__(self, app, stamp):
        self.app = app
        self.stamp = stamp

    def __call__(self, environ, start_response):
        def stamped(status, headers, exc_info=None):
            return start_response(status, headers + [('X-Stamp', self.stamp)],
                                  exc_info)
        return self.app(environ, stamped)


def filter_factory(global_conf, stamp='stamped', **local_conf):
    return lambda app: StampFilter(app, stamp)
