/** (Being built for issue 17: see src/ui/train/TrainPanel.tsx.) */
export function Timeline() {
  return null;
}
