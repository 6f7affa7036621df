export function Placeholder() {
  return <h1>Reward Ledger console</h1>;
}
