// Steps artillery's YAML cannot express. A student sends one direct message to a classmate over
// its socket and the step fails unless the server acknowledges it ({ ok: true }).
const ACK_TIMEOUT_MS = 5000;

function sendToClassmate(context, events, done) {
  const socket = context.sockets?.[""];
  if (!socket) return done(new Error("no socket"));
  const request = { to: { user: context.vars.classmate }, body: `hello from ${context.vars.student}` };
  socket.timeout(ACK_TIMEOUT_MS).emit("message:send", request, (err, ack) => {
    if (err) return done(new Error(`no acknowledgement within ${ACK_TIMEOUT_MS} ms`));
    if (!ack?.ok) return done(new Error(`send refused: ${ack?.error ? ack.error.code : "no answer"}`));
    events.emit("counter", "ringcast.sends_acknowledged", 1);
    return done();
  });
}

module.exports = { sendToClassmate };
