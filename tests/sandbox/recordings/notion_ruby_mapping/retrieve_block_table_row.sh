curl 'https://api.notion.com/v1/blocks/57fc378c-9db1-4fef-8d74-72c1b2084df1' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
