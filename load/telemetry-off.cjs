// Preloaded into artillery (NODE_OPTIONS=--require): keeps it off the network. With telemetry
// disabled it still builds an analytics client that looks up an outside host; this replaces the
// analytics module with a client that does nothing.
const Module = require("node:module");
const load = Module._load;
class SilentPostHog {
  capture() {}
  identify() {}
  flush() { return Promise.resolve(); }
  shutdown() { return Promise.resolve(); }
  shutdownAsync() { return Promise.resolve(); }
}
Module._load = function (request, ...rest) {
  if (request === "posthog-node") return { PostHog: SilentPostHog };
  return load.call(this, request, ...rest);
};
