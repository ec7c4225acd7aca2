/**
 * A form's submit handler: clears the last error, disables the button while `work` runs, and shows
 * why it failed (as `describe` words it), so a person always sees the outcome of a click.
 */
export function submitHandler(
  button: HTMLButtonElement,
  error: HTMLElement,
  work: () => Promise<void>,
  describe: (err: unknown) => string,
): (event: Event) => void {
  return (event) => {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    work()
      .catch((err: unknown) => {
        error.textContent = describe(err);
      })
      .finally(() => {
        button.disabled = false;
      });
  };
}
