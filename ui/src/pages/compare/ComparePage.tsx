export default function ComparePage() {
  return <div className="page">ComparePage: to be built</div>;
}
