export { payingMcp, bearerFetch, type McpClientLike, type McpCallParams, type McpToolResult, type PayingMcpOptions } from './paying-mcp.js';
