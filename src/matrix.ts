/** A dense row-major float32 matrix: the shape every numeric API of the library takes. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export type MatrixLike = Matrix | ArrayLike<ArrayLike<number>>;

/** Accepts a Matrix or number[][] and returns a Matrix (no copy when already one). */
export function toMatrix(value: MatrixLike, argName: string): Matrix {
  if (isMatrix(value)) {
    if (!Number.isInteger(value.rows) || !Number.isInteger(value.cols) || value.rows < 0 || value.cols < 0) {
      throw new RangeError(`${argName}: rows and cols must be non-negative integers`);
    }
    if (value.data.length !== value.rows * value.cols) {
      throw new RangeError(`${argName}: data has ${value.data.length} values, expected rows*cols = ${value.rows * value.cols}`);
    }
    return value;
  }
  if (value == null || typeof (value as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`${argName}: expected a Matrix {rows, cols, data: Float32Array} or an array of rows`);
  }
  const rows = value.length;
  const cols = rows > 0 ? value[0]!.length : 0;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = value[i];
    if (row == null || row.length !== cols) {
      throw new RangeError(`${argName}: row ${i} has ${row == null ? 'no' : row.length} values, expected ${cols}`);
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
  }
  return { rows, cols, data };
}

export function isMatrix(value: unknown): value is Matrix {
  return (
    typeof value === 'object' && value !== null && (value as Matrix).data instanceof Float32Array &&
    typeof (value as Matrix).rows === 'number' && typeof (value as Matrix).cols === 'number'
  );
}

/** Throws a RangeError naming the argument when the matrix holds NaN or an infinity. */
export function assertFinite(m: Matrix, argName: string): void {
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i]!)) {
      throw new RangeError(`${argName}: non-finite value at row ${Math.floor(i / m.cols)}, column ${i % m.cols}`);
    }
  }
}

/** Row i of a matrix as a subarray view (no copy). */
export function rowView(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}
