import { type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * A modal question on the native <dialog>: focus moves into it and is trapped there, Escape cancels,
 * and the page behind is inert — the browser does what a hand-made modal would get wrong.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);

  return (
    <dialog
      ref={ref}
      className="sheet"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div id={bodyId} className="sheet-body">
        {props.children}
      </div>
      <div className="sheet-actions">
        <button type="button" className="button secondary" onClick={props.onCancel} disabled={props.busy} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className={props.danger ? 'button danger' : 'button primary'}
          onClick={props.onConfirm}
          disabled={props.busy}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
