// The tus 1.0.0 client the upload pages use (assets/record.js).
export { Upload } from 'tus-js-client';
