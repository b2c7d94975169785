export default function ApiKeysPage() {
  return <div className="page">ApiKeysPage: to be built</div>;
}
