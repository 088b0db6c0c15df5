// Moved to common/content (the phone checks thumbnails too, received ones included); kept here so the
// desktop's imports stay as they were.
export { thumbnailProblem } from '../../../../common/content';
