import { useLayoutEffect, type RefObject } from 'react';

/**
 * Text cut with an ellipsis must still be readable: every element marked
 * `.cut` inside the container that its box cuts gets its whole text as a
 * `title` (and loses it again when the box grows back). Checked after every
 * render and whenever the container changes size, since what is cut depends
 * on the window's width and the font.
 */
export function useTitlesOnCutText(container: RefObject<HTMLElement | null>): void {
  useLayoutEffect(() => {
    const element = container.current;
    if (!element) return;
    const update = (): void => {
      for (const cut of element.querySelectorAll<HTMLElement>('.cut')) {
        const whole = cut.textContent;
        // scrollWidth rounds down: a box a fraction of a pixel too narrow still reads as cut.
        const isCut = cut.scrollWidth > cut.clientWidth || cut.scrollHeight > cut.clientHeight + 1;
        if (isCut && cut.title !== whole) cut.title = whole;
        else if (!isCut && cut.hasAttribute('title') && !cut.dataset['keepTitle']) cut.removeAttribute('title');
      }
    };
    update();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  });
}
