/** How a token piece is shown: visible symbols for space and newline. */
export const showPiece = (piece: string): string => (piece === ' ' ? '␣' : piece === '\n' ? '↵' : piece);
