export default function RunPage() {
  return <div className="page">RunPage: to be built</div>;
}
