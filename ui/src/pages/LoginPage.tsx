export function LoginPage() {
  return <div className="page">LoginPage: to be built</div>;
}
