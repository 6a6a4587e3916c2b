// The forked helper's side of children.ts's Forked: each message from the parent runs `handle`, which
// answers through process.send; a thrown error is answered with {type: 'error', message}. The helper exits
// when the parent goes away.
export function answerParent<To>(handle: (message: To) => Promise<void>): void {
  process.on('message', (message: To) => {
    handle(message).catch((error: unknown) => {
      process.send!({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
    });
  });
  process.on('disconnect', () => process.exit(0));
}
