curl 'https://api.notion.com/v1/blocks/676129de-8eac-42c9-9449-c15893775cae' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
