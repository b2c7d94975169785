export default function WorkspacePage() {
  return <div className="page">WorkspacePage: to be built</div>;
}
